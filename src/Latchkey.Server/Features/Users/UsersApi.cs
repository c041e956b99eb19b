using Latchkey.Server.Api;

namespace Latchkey.Server.Features.Users;

/// <summary><c>/api/v1/users</c>.</summary>
public static class UsersApi
{
    public static void MapUsersApi(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users");
        users.MapGet("", UserQueries.List).AsList(UserQueries.UsersList);
        users.MapPost("", UserWrites.Create);
        users.MapGet("/{id}", UserQueries.Get);
        users.MapPost("/{id}", UserWrites.Update);
        users.MapPut("/{id}", UserWrites.Replace);
        users.MapDelete("/{id}", UserWrites.Delete);
        users.MapGet("/{id}/groups", UserQueries.Groups).AsList(UserQueries.GroupsList);
        users.MapPost("/{id}/lifecycle/{operation}", UserLifecycleEndpoints.Run);
        users.MapUserCredentialsApi();
    }
}
