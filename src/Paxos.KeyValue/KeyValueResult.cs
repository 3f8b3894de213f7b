namespace Paxos.KeyValue;

/// <summary>
/// The outcome of applying one <see cref="KeyValueCommand"/>, returned (encoded with
/// <see cref="KeyValueResultCodec"/>) by <see cref="KeyValueStateMachine.Apply"/>:
/// <see cref="PutResult"/>, <see cref="DeleteResult"/>, <see cref="CasResult"/>, <see cref="TxnResult"/>
/// (whose operations also have <see cref="GetResult"/>s), the lease results
/// <see cref="LeaseGrantResult"/>, <see cref="LeaseRevokeResult"/> and <see cref="LeaseEpochResult"/>,
/// or one of the refusals <see cref="StaleRequestResult"/>, <see cref="RejectedResult"/>,
/// <see cref="LeaseNotFoundResult"/> and <see cref="ExhaustedResult"/>.
/// </summary>
public abstract class KeyValueResult
{
    private protected KeyValueResult()
    {
    }
}
