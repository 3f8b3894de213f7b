namespace Paxos.KeyValue.Watching;

/// <summary>What a <see cref="ChangeEvent"/> did to its key (the values of WatchEvent.Type on the wire).</summary>
public enum ChangeKind
{
    /// <summary>The key was written (also with a value equal to the one it had).</summary>
    Put = 0,

    /// <summary>The key existed and was deleted.</summary>
    Delete = 1,
}
