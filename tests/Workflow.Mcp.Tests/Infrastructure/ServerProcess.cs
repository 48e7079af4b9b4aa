using ModelContextProtocol.Client;
using Workflow.Mcp.Client;

namespace Workflow.Mcp.Tests.Infrastructure;

/// <summary>Starts the test server (<c>Workflow.Mcp.TestServer</c>) as a child process speaking MCP over stdio.</summary>
public static class ServerProcess
{
    /// <summary>The server's own build output (artifacts/bin/Workflow.Mcp.TestServer/{configuration}), whose deps.json
    /// and dependencies are its own: the test output's copy lacks what the ASP.NET Core shared framework provides here.</summary>
    public static string ServerDll { get; } = Locate("Workflow.Mcp.TestServer");

    /// <summary>The build output of a project that the tests start as a process, next to the tests' own.</summary>
    public static string Locate(string project)
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(output.Parent!.Parent!.FullName, project, output.Name, project + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build {project} first: {path} is missing.", path);
    }

    /// <summary>Connects a client to a new server process; disposing the client ends the process.</summary>
    public static Task<McpClient> ConnectAsync(CancellationToken cancellationToken, params string[] arguments) =>
        ConnectAsync(environment: null, cancellationToken, arguments);

    /// <summary>Connects a client to a new server process with extra environment variables.</summary>
    public static Task<McpClient> ConnectAsync(Dictionary<string, string?>? environment, CancellationToken cancellationToken, params string[] arguments) =>
        ConnectToAsync(ServerDll, environment, cancellationToken, arguments);

    /// <summary>Connects a client to a new process of the given assembly speaking MCP over stdio.</summary>
    public static Task<McpClient> ConnectToAsync(string dll, Dictionary<string, string?>? environment, CancellationToken cancellationToken, params string[] arguments) =>
        McpClient.CreateAsync(
            new StdioClientTransport(new StdioClientTransportOptions
            {
                Name = Path.GetFileNameWithoutExtension(dll),
                Command = "dotnet",
                Arguments = [dll, .. arguments],
                EnvironmentVariables = environment,
            }),
            cancellationToken: cancellationToken);

    public static void Configure(McpServerConnectionOptions options, params string[] arguments)
    {
        options.Command = "dotnet";
        options.Arguments.Add(ServerDll);
        foreach (var argument in arguments)
        {
            options.Arguments.Add(argument);
        }
    }
}
