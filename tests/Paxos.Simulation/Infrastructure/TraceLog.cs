using System.Globalization;

namespace Paxos.Simulation.Infrastructure;

/// <summary>
/// The last events of a run as readable lines ("t=1.234000s n2→n0 Accept b=3.2 slot=17 [dropped]"),
/// kept in a bounded ring buffer and printed when a run fails. Every line is stamped with virtual
/// time, so the same seed gives the same trace.
/// </summary>
public sealed class TraceLog
{
    private readonly VirtualClock _clock;
    private readonly string[] _lines;
    private int _next;

    /// <summary>Creates a log stamping lines with <paramref name="clock"/>, keeping the last <paramref name="capacity"/>.</summary>
    public TraceLog(VirtualClock clock, int capacity = 2000)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _clock = clock;
        _lines = new string[capacity];
    }

    /// <summary>Lines recorded since the start, including those since overwritten.</summary>
    public long TotalRecorded { get; private set; }

    /// <summary>Records <paramref name="text"/> at the current virtual time.</summary>
    public void Add(string text)
    {
        _lines[_next] = string.Create(CultureInfo.InvariantCulture, $"t={_clock.Now.TotalSeconds:0.000000}s {text}");
        _next = (_next + 1) % _lines.Length;
        TotalRecorded++;
    }

    /// <summary>The lines still held, oldest first.</summary>
    public IReadOnlyList<string> Lines()
    {
        int count = (int)Math.Min(TotalRecorded, _lines.Length);
        var result = new string[count];
        int start = TotalRecorded > _lines.Length ? _next : 0;
        for (int i = 0; i < count; i++)
        {
            result[i] = _lines[(start + i) % _lines.Length];
        }

        return result;
    }

    /// <summary>Writes the lines held to <paramref name="writer"/>, noting how many older ones were dropped.</summary>
    public void WriteTo(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        IReadOnlyList<string> lines = Lines();
        if (TotalRecorded > lines.Count)
        {
            writer.WriteLine($"  ... {TotalRecorded - lines.Count} earlier events not kept");
        }

        foreach (string line in lines)
        {
            writer.Write("  ");
            writer.WriteLine(line);
        }
    }
}
