namespace Paxos.Transport.Security;

/// <summary>Adds <c>authorization: Bearer TOKEN</c> to every request of a channel (CONTRACT.md section 5, <c>auth.tokens</c>).</summary>
internal sealed class BearerTokenHandler(string token, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly string _value = "Bearer " + token;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.TryAddWithoutValidation("authorization", _value);
        return base.SendAsync(request, cancellationToken);
    }
}
