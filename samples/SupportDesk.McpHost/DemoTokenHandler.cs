using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace SupportDesk.McpHost;

/// <summary>A bearer scheme with two fixed demo tokens, so the sample runs without an identity provider: a real host
/// uses JwtBearer or another scheme, and the workflow tools see the authenticated user either way.</summary>
public sealed class DemoTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "DemoBearer";

    public static ClaimsPrincipal User(string name, params string[] roles) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), .. roles.Select(static r => new Claim(ClaimTypes.Role, r))], SchemeName));

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        ClaimsPrincipal? user = header["Bearer ".Length..] switch
        {
            "agent-token" => User("sam"),
            "manager-token" => User("maria", SupportAuthorizer.ManagerRole),
            _ => null,
        };
        return Task.FromResult(user is null ? AuthenticateResult.Fail("Unknown token.") : AuthenticateResult.Success(new AuthenticationTicket(user, SchemeName)));
    }
}
