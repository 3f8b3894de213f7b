namespace Paxos.Simulation.SelfCheck;

/// <summary>A process of the self-check scenario: the register server or a client.</summary>
internal abstract class RegisterNode
{
    private bool _started;

    /// <summary>Begins the process's own activity (timers); runs once per process.</summary>
    public void Start()
    {
        if (!_started)
        {
            _started = true;
            OnStart();
        }
    }

    /// <summary>Handles a message from node <paramref name="from"/>.</summary>
    public abstract void Receive(int from, RegisterMessage message);

    /// <summary>Starts the process's timers.</summary>
    protected abstract void OnStart();
}
