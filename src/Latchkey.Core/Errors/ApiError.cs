namespace Latchkey.Core.Errors;

/// <summary>
/// An error a client can see: the HTTP status, the stable <c>errorCode</c> (E0000xxx, from the real
/// service's catalogue), the summary, and the causes that say which field or rule failed.
/// </summary>
public sealed record ApiError(int Status, string Code, string Summary, IReadOnlyList<string> Causes)
{
    public ApiError(int status, string code, string summary)
        : this(status, code, summary, [])
    {
    }
}

/// <summary>Thrown by handlers to end a request with an <see cref="ApiError"/>; nothing is written.</summary>
public sealed class ApiException(ApiError error) : Exception(error.Summary)
{
    public ApiError Error { get; } = error;
}
