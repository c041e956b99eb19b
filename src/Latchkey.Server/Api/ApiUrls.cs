namespace Latchkey.Server.Api;

/// <summary>Absolute URLs for links: the org URL is the scheme and host the client called.</summary>
public static class ApiUrls
{
    public static string OrgUrl(HttpRequest request) => $"{request.Scheme}://{request.Host.Value}";

    public static string ApiBase(HttpRequest request) => OrgUrl(request) + "/api/v1";
}
