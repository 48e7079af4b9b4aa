namespace Workflow.Runtime;

/// <summary>Where in the graph a run is: the step-path prefix given by the branches, parallel blocks, for-each items
/// and loop iterations that lead here (for example <c>review/items[3]</c>).</summary>
internal sealed class RunScope
{
    public static readonly RunScope Root = new(null, null);

    private RunScope(string? prefix, RunScope? parent)
    {
        Prefix = prefix;
        Parent = parent;
    }

    public string? Prefix { get; }

    public RunScope? Parent { get; }

    public string PathOf(string name) => Prefix is null ? name : string.Concat(Prefix, "/", name);

    public RunScope Enter(string path) => new(path, this);
}
