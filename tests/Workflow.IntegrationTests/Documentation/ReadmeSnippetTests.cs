using System.Text;
using System.Text.RegularExpressions;

namespace Workflow.IntegrationTests.Documentation;

/// <summary>
/// Every C# block in a README (and in docs/**/*.md) is compiled code: it sits right below a
/// <c>&lt;!-- snippet: NAME --&gt;</c> marker and must equal the one <c>#region NAME</c> in a .cs file under
/// samples/ or tests/Workflow.IntegrationTests/Snippets/ (compared after removing the common indentation,
/// trailing whitespace and surrounding blank lines). To change a README example, change the region and
/// copy it into the markdown.
/// </summary>
public sealed class ReadmeSnippetTests
{
    private static readonly Lazy<SnippetCatalog> Repository =
        new(() => SnippetCatalog.Load(SnippetCatalog.FindRepositoryRoot(AppContext.BaseDirectory)));

    /// <summary>One case per marked C# block, identified by "file:line" so each shows up on its own.</summary>
    public static TheoryData<string> MarkedSnippets()
    {
        var data = new TheoryData<string>();
        foreach (var block in Repository.Value.Blocks)
        {
            if (block.Name is not null)
            {
                data.Add(block.Id);
            }
        }

        return data;
    }

    // Without any marked block there is nothing to compare: the theory is skipped, not failed.
    [Theory(SkipTestWithoutData = true)]
    [MemberData(nameof(MarkedSnippets))]
    public void ReadmeSnippet_MarkedBlock_EqualsItsRegion(string snippetId)
    {
        var catalog = Repository.Value;
        var block = catalog.Blocks.Single(b => b.Id == snippetId);

        var problem = catalog.CompareWithRegion(block);

        Assert.True(problem is null, problem);
    }

    [Fact]
    public void ReadmeCSharpBlocks_AllBlocks_HaveMarkerNamingExactlyOneRegion()
    {
        var problems = Repository.Value.FindMarkerProblems();

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine + Environment.NewLine, problems));
    }

    [Fact]
    public void SnippetCatalog_SampleRepository_ReportsEachKindOfProblem()
    {
        var root = Path.Combine(Path.GetTempPath(), "wf-snippets-" + Guid.NewGuid().ToString("N"));
        try
        {
            Write(root, "samples/Demo/Program.cs", """
                namespace Demo;

                public static class Program
                {
                    public static void Main()
                    {
                        #region same
                        var x = 1;   
                            x++;
                        #endregion

                        #region different
                        var y = 2;
                        #endregion

                        #region twice
                        #endregion
                    }
                }
                """);
            Write(root, "tests/Workflow.IntegrationTests/Snippets/More.cs", """
                #region twice
                // second
                #endregion
                """);
            Write(root, "samples/Demo/bin/Release/Copy.cs", """
                #region same
                ignored: bin/ is skipped
                #endregion
                """);
            Write(root, "README.md", """
                # Demo

                <!-- snippet: same -->
                ```csharp

                var x = 1;
                    x++;

                ```

                <!-- snippet: different -->
                ```cs
                var y = 3;
                ```

                ```csharp
                // no marker
                ```

                <!-- snippet: missing -->
                ```csharp
                ```

                <!-- snippet: twice -->
                ```csharp
                ```

                ````markdown
                ```csharp
                inside another fence: not a C# block
                ```
                ````

                ```json
                {}
                ```
                """);
            Write(root, "docs/guide/intro.md", """
                  <!-- snippet: same -->
                  ```csharp
                  var x = 1;
                      x++;
                  ```
                """);

            var catalog = SnippetCatalog.Load(root);

            string[] expectedBlocks =
                ["README.md:4 same", "README.md:12 different", "README.md:16 ", "README.md:21 missing", "README.md:25 twice", "docs/guide/intro.md:2 same"];
            Assert.Equal(expectedBlocks, catalog.Blocks.Select(b => $"{b.Id} {b.Name}"));
            Assert.Null(catalog.CompareWithRegion(catalog.Blocks[0]));
            Assert.Null(catalog.CompareWithRegion(catalog.Blocks[5]));

            var mismatch = catalog.CompareWithRegion(catalog.Blocks[1]);
            Assert.NotNull(mismatch);
            Assert.Contains("README.md:12", mismatch, StringComparison.Ordinal);
            Assert.Contains("'different'", mismatch, StringComparison.Ordinal);
            Assert.Contains("var y = 3;", mismatch, StringComparison.Ordinal);
            Assert.Contains("var y = 2;", mismatch, StringComparison.Ordinal);

            var problems = catalog.FindMarkerProblems();
            Assert.Equal(3, problems.Count);
            Assert.Contains("README.md:16", problems[0], StringComparison.Ordinal);
            Assert.Contains("README.md:21", problems[1], StringComparison.Ordinal);
            Assert.Contains("README.md:25", problems[2], StringComparison.Ordinal);
            Assert.Contains("tests/Workflow.IntegrationTests/Snippets/More.cs:1", problems[2], StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void Write(string root, string relativePath, string text)
    {
        var path = Path.Combine(root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}

/// <summary>A fenced C# block of a markdown file; <see cref="Line"/> is the 1-based line of the opening fence.</summary>
internal sealed record MarkdownCSharpBlock(string File, int Line, string? Name, string Text)
{
    public string Id => $"{File}:{Line}";
}

/// <summary>A <c>#region NAME</c> of a .cs file; <see cref="Line"/> is the 1-based line of the <c>#region</c> directive.</summary>
internal sealed record SourceRegion(string File, int Line, string Name, string Text);

internal sealed partial class SnippetCatalog
{
    private static readonly HashSet<string> SkippedDirectories =
        new(["bin", "obj", "artifacts", ".git", "node_modules", "TestResults", "BenchmarkDotNet.Artifacts"], StringComparer.OrdinalIgnoreCase);

    private static readonly HashSet<string> CSharpLanguages = new(["csharp", "cs", "c#"], StringComparer.OrdinalIgnoreCase);

    private static readonly string[] RegionFolders = ["samples", "tests/Workflow.IntegrationTests/Snippets"];

    private SnippetCatalog(IReadOnlyList<MarkdownCSharpBlock> blocks, ILookup<string, SourceRegion> regions)
    {
        Blocks = blocks;
        Regions = regions;
    }

    public IReadOnlyList<MarkdownCSharpBlock> Blocks { get; }

    public ILookup<string, SourceRegion> Regions { get; }

    public static string FindRepositoryRoot(string startDirectory)
    {
        for (var directory = new DirectoryInfo(startDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Workflow.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No folder holding Workflow.sln above {startDirectory}.");
    }

    public static SnippetCatalog Load(string root)
    {
        var markdownFiles = EnumerateFiles(root)
            .Where(path => string.Equals(Path.GetFileName(path), "README.md", StringComparison.OrdinalIgnoreCase)
                || (path.EndsWith(".md", StringComparison.OrdinalIgnoreCase) && IsUnder(root, path, "docs")));
        var blocks = markdownFiles
            .Order(StringComparer.Ordinal)
            .SelectMany(path => ReadCSharpBlocks(Relative(root, path), File.ReadAllLines(path)))
            .ToList();

        var regions = RegionFolders
            .Select(folder => Path.Combine(root, folder))
            .Where(Directory.Exists)
            .SelectMany(EnumerateFiles)
            .Where(path => path.EndsWith(".cs", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .SelectMany(path => ReadRegions(Relative(root, path), File.ReadAllLines(path)))
            .ToLookup(region => region.Name, StringComparer.Ordinal);

        return new SnippetCatalog(blocks, regions);
    }

    /// <summary>Blocks without a marker, and markers whose name has no region or several.</summary>
    public IReadOnlyList<string> FindMarkerProblems()
    {
        var problems = new List<string>();
        foreach (var block in Blocks)
        {
            if (block.Name is null)
            {
                problems.Add($"{block.Id}: this C# block has no <!-- snippet: NAME --> marker on the line right above its fence. "
                    + $"Put the code in a #region NAME under {string.Join(" or ", RegionFolders.Select(f => f + "/"))} and add the marker.");
                continue;
            }

            var matches = Regions[block.Name].ToList();
            if (matches.Count != 1)
            {
                problems.Add(DescribeRegionCount(block, matches));
            }
        }

        return problems;
    }

    /// <summary>Null when the block equals its region, otherwise a message naming the file, line and snippet and showing both texts.</summary>
    public string? CompareWithRegion(MarkdownCSharpBlock block)
    {
        if (block.Name is null)
        {
            return $"{block.Id}: this C# block has no <!-- snippet: NAME --> marker.";
        }

        var matches = Regions[block.Name].ToList();
        if (matches.Count != 1)
        {
            return DescribeRegionCount(block, matches);
        }

        var region = matches[0];
        var expected = Normalize(region.Text);
        var actual = Normalize(block.Text);
        if (string.Equals(expected, actual, StringComparison.Ordinal))
        {
            return null;
        }

        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        var firstDifference = 0;
        while (firstDifference < expectedLines.Length && firstDifference < actualLines.Length
            && string.Equals(expectedLines[firstDifference], actualLines[firstDifference], StringComparison.Ordinal))
        {
            firstDifference++;
        }

        var nl = Environment.NewLine;
        return $"{block.Id}: the C# block of snippet '{block.Name}' differs from #region {block.Name} in {region.File}:{region.Line} "
            + $"(first difference at line {firstDifference + 1} of the snippet). Copy the region into the markdown.{nl}"
            + $"--- {block.File}:{block.Line} (markdown) ---{nl}{actual}{nl}"
            + $"--- {region.File}:{region.Line} (#region {block.Name}) ---{nl}{expected}{nl}---";
    }

    /// <summary>
    /// Removes leading and trailing blank lines, trailing whitespace on every line and the indentation
    /// common to all non-blank lines; lines are joined with '\n'.
    /// </summary>
    internal static string Normalize(string text)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n').Select(line => line.TrimEnd()).ToList();
        while (lines.Count > 0 && lines[0].Length == 0)
        {
            lines.RemoveAt(0);
        }

        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        var indent = lines.Where(line => line.Length > 0).Select(line => line.Length - line.TrimStart().Length).DefaultIfEmpty(0).Min();
        return string.Join('\n', lines.Select(line => line.Length == 0 ? line : line[indent..]));
    }

    private static string DescribeRegionCount(MarkdownCSharpBlock block, List<SourceRegion> matches) =>
        matches.Count == 0
            ? $"{block.Id}: snippet '{block.Name}' has no #region {block.Name} in any .cs file under {string.Join(" or ", RegionFolders.Select(f => f + "/"))}."
            : $"{block.Id}: snippet '{block.Name}' matches {matches.Count} regions; region names must be unique: "
                + string.Join(", ", matches.Select(r => $"{r.File}:{r.Line}"));

    private static IEnumerable<MarkdownCSharpBlock> ReadCSharpBlocks(string file, string[] lines)
    {
        for (var i = 0; i < lines.Length; i++)
        {
            var open = FenceOpening().Match(lines[i]);
            if (!open.Success)
            {
                continue;
            }

            var fence = open.Groups["fence"].Value;
            var language = open.Groups["info"].Value.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? string.Empty;
            var openLine = i;
            var body = new StringBuilder();
            for (i++; i < lines.Length && !IsClosingFence(lines[i], fence); i++)
            {
                body.Append(lines[i]).Append('\n');
            }

            if (CSharpLanguages.Contains(language))
            {
                var marker = openLine > 0 ? SnippetMarker().Match(lines[openLine - 1]) : Match.Empty;
                var name = marker.Success ? marker.Groups["name"].Value : null;
                yield return new MarkdownCSharpBlock(file, openLine + 1, name, body.ToString());
            }
        }
    }

    private static bool IsClosingFence(string line, string fence)
    {
        var trimmed = line.Trim();
        return trimmed.Length >= fence.Length && trimmed.All(c => c == fence[0]);
    }

    private static IEnumerable<SourceRegion> ReadRegions(string file, string[] lines)
    {
        var open = new Stack<(string Name, int Line, StringBuilder Text)>();
        for (var i = 0; i < lines.Length; i++)
        {
            var region = RegionStart().Match(lines[i]);
            if (region.Success)
            {
                open.Push((region.Groups["name"].Value, i + 1, new StringBuilder()));
                continue;
            }

            if (RegionEnd().IsMatch(lines[i]))
            {
                if (open.Count > 0)
                {
                    var (name, line, text) = open.Pop();
                    if (name.Length > 0)
                    {
                        yield return new SourceRegion(file, line, name, text.ToString());
                    }
                }

                continue;
            }

            foreach (var (_, _, text) in open)
            {
                text.Append(lines[i]).Append('\n');
            }
        }
    }

    private static IEnumerable<string> EnumerateFiles(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(directory))
        {
            yield return file;
        }

        foreach (var child in Directory.EnumerateDirectories(directory))
        {
            if (!SkippedDirectories.Contains(Path.GetFileName(child)))
            {
                foreach (var file in EnumerateFiles(child))
                {
                    yield return file;
                }
            }
        }
    }

    private static bool IsUnder(string root, string path, string folder) =>
        Relative(root, path).StartsWith(folder + "/", StringComparison.Ordinal);

    private static string Relative(string root, string path) =>
        Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');

    // An opening code fence: three or more backticks or tildes, then an optional info string.
    [GeneratedRegex(@"^\s*(?<fence>`{3,}|~{3,})\s*(?<info>[^`]*)$")]
    private static partial Regex FenceOpening();

    [GeneratedRegex(@"^\s*<!--\s*snippet:\s*(?<name>[^\s>]+)\s*-->\s*$")]
    private static partial Regex SnippetMarker();

    // A region without a name still has to be matched with its #endregion, but it is no snippet.
    [GeneratedRegex(@"^\s*#region\b\s*(?<name>.*?)\s*$")]
    private static partial Regex RegionStart();

    [GeneratedRegex(@"^\s*#endregion\b")]
    private static partial Regex RegionEnd();
}
