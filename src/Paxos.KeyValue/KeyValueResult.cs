namespace Paxos.KeyValue;

/// <summary>
/// The outcome of applying one <see cref="KeyValueCommand"/>, returned (encoded with
/// <see cref="KeyValueResultCodec"/>) by <see cref="KeyValueStateMachine.Apply"/>:
/// <see cref="PutResult"/>, <see cref="DeleteResult"/>, <see cref="CasResult"/>, <see cref="TxnResult"/>
/// (whose operations also have <see cref="GetResult"/>s), or one of the
/// refusals <see cref="StaleRequestResult"/> and <see cref="RejectedResult"/>.
/// </summary>
public abstract class KeyValueResult
{
    private protected KeyValueResult()
    {
    }
}
