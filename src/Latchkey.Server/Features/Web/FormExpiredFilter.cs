using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.Core.Infrastructure;

namespace Latchkey.Server.Features.Web;

/// <summary>
/// A form posted without a valid antiforgery token (forged from another site, or a page kept open past a restart of the
/// key ring) is refused with a page that says what happened and how to go on, instead of a bare 400. Nothing was done.
/// </summary>
public sealed class FormExpiredFilter : IAlwaysRunResultFilter
{
    public void OnResultExecuting(ResultExecutingContext context)
    {
        if (context.Result is IAntiforgeryValidationFailedResult)
        {
            context.Result = new PartialViewResult { ViewName = "/Features/Web/Shared/_FormExpired.cshtml", StatusCode = StatusCodes.Status400BadRequest };
        }
    }

    public void OnResultExecuted(ResultExecutedContext context)
    {
    }
}
