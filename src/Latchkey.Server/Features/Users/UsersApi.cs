using Latchkey.Core.Admin;
using Latchkey.Server.Api;
using Latchkey.Server.Features.Roles;

namespace Latchkey.Server.Features.Users;

/// <summary><c>/api/v1/users</c>.</summary>
public static class UsersApi
{
    public static void MapUsersApi(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users");
        users.MapGet("", UserQueries.List).AsList(UserQueries.UsersList).Requires(AdminPermission.UsersRead);
        users.MapPost("", UserWrites.Create).Requires(AdminPermission.UsersManage);
        users.MapGet("/{id}", UserQueries.Get).Requires(AdminPermission.UsersRead);
        users.MapPost("/{id}", UserWrites.Update).Requires(AdminPermission.UsersManage);
        users.MapPut("/{id}", UserWrites.Replace).Requires(AdminPermission.UsersManage);
        users.MapDelete("/{id}", UserWrites.Delete).Requires(AdminPermission.UsersManage);
        users.MapGet("/{id}/groups", UserQueries.Groups).AsList(UserQueries.GroupsList).Requires(AdminPermission.UsersRead);
        users.MapPost("/{id}/lifecycle/{operation}", UserLifecycleEndpoints.Run).Requires(AdminPermission.UsersLifecycle);
        users.MapUserCredentialsApi();
    }
}
