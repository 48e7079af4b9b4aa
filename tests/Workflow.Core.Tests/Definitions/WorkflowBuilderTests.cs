using Workflow.Definitions;
using Workflow.Exceptions;
using Xunit;

namespace Workflow.Tests.Definitions;

public sealed class WorkflowBuilderTests
{
    [Fact]
    public void Build_DefinitionWithSeveralProblems_ReportsThemAllInOneException()
    {
        var builder = WorkflowDefinition.Create<int>("bad name!", version: 0)
            .Then("same", x => x + 1)
            .Then("same", x => x + 2)
            .Loop("forever", body => body.Then("tick", x => x + 1), until: x => x > 10, maxIterations: 0)
            .Then("untyped", x => (object)x)
            .Then("step/with/slash", x => x.ToString());

        var exception = Assert.Throws<WorkflowDefinitionException>(() => builder.Build());

        Assert.Equal("bad name!", exception.WorkflowName);
        Assert.Contains(exception.Problems, p => p.Contains("workflow name 'bad name!' contains ' '", StringComparison.Ordinal));
        Assert.Contains(exception.Problems, p => p.Contains("version is 0", StringComparison.Ordinal));
        Assert.Contains(exception.Problems, p => p.Contains("'same' is used by 2", StringComparison.Ordinal));
        Assert.Contains(exception.Problems, p => p.Contains("Loop 'forever' has no maximum", StringComparison.Ordinal));
        Assert.Contains(exception.Problems, p => p.Contains("step 'untyped'", StringComparison.Ordinal) && p.Contains("typed object", StringComparison.Ordinal));
        Assert.Contains(exception.Problems, p => p.Contains("'step/with/slash'", StringComparison.Ordinal));
        Assert.Equal(6, exception.Problems.Count);
        Assert.Contains("6 problem(s)", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_TypesThatDoNotRoundTrip_AreReportedWithThePathToTheProblem()
    {
        var builder = WorkflowDefinition.Create<WithGetOnlyProperty>("round-trip")
            .Then("tuple", x => (x.Value, "text"))
            .Then("abstract", x => (Shape)new Circle(1))
            .Then("nested", x => new Holder([new Inner()]))
            .Then("delegate", x => (Func<int>)(() => 1))
            .Then("fine", x => new Fine(1, "a", [1, 2]));

        var exception = Assert.Throws<WorkflowDefinitionException>(() => builder.Build());

        Assert.Contains(exception.Problems, p => p.StartsWith("The workflow input (WithGetOnlyProperty) has property 'computed'", StringComparison.Ordinal));
        Assert.Contains(exception.Problems, p => p.Contains("step 'tuple'", StringComparison.Ordinal) && p.Contains("value tuple", StringComparison.Ordinal));
        Assert.Contains(exception.Problems, p => p.Contains("step 'abstract'", StringComparison.Ordinal) && p.Contains("is abstract", StringComparison.Ordinal));
        Assert.Contains(exception.Problems, p => p.Contains("step 'nested', through items[] (Inner)", StringComparison.Ordinal) && p.Contains("'total'", StringComparison.Ordinal));
        Assert.Contains(exception.Problems, p => p.Contains("step 'delegate'", StringComparison.Ordinal) && p.Contains("delegate", StringComparison.Ordinal));
        Assert.DoesNotContain(exception.Problems, p => p.Contains("'fine'", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_SyncStepReturningATask_IsReported()
    {
        var builder = WorkflowDefinition.Create<int>("sync-task").Then("oops", x => Task.FromResult(x));

        var exception = Assert.Throws<WorkflowDefinitionException>(() => builder.Build());

        Assert.Contains(exception.Problems, p => p.Contains("Step 'oops' returns a Task", StringComparison.Ordinal) && p.Contains("asynchronous Then overload", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_EmptyWorkflow_IsReported()
    {
        var exception = Assert.Throws<WorkflowDefinitionException>(() => WorkflowDefinition.Create<int>("empty").Build());

        Assert.Equal(["The workflow has no steps; add at least one with Then()."], exception.Problems);
    }

    [Fact]
    public void Build_SwitchWithDuplicateKeysAndForEachWithoutParallelism_AreReported()
    {
        var builder = WorkflowDefinition.Create<string>("switch")
            .Switch("route", s => s.Length)
            .Case(1, one => one.Then("one", s => s + "1"))
            .Case(1, again => again.Then("again", s => s + "1"))
            .EndSwitch()
            .ForEach("letters", s => s.ToCharArray(), letter => letter.Then("upper", c => char.ToUpperInvariant(c)), maxParallelism: 0);

        var exception = Assert.Throws<WorkflowDefinitionException>(() => builder.Build());

        Assert.Contains(exception.Problems, p => p.Contains("Switch 'route' has two cases with the key '1'", StringComparison.Ordinal));
        Assert.Contains(exception.Problems, p => p.Contains("For-each 'letters' has maxParallelism 0", StringComparison.Ordinal));
    }

    [Fact]
    public void Then_OnABuilderThatWasAlreadyContinued_Throws()
    {
        var start = WorkflowDefinition.Create<int>("fork");
        start.Then("a", x => x + 1);

        var exception = Assert.Throws<InvalidOperationException>(() => start.Then("b", x => x + 2));

        Assert.Contains("already continued", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_InsideABranch_Throws()
    {
        InvalidOperationException? thrown = null;
        var builder = WorkflowDefinition.Create<int>("nested-build").Branch(
            "check",
            x => x > 0,
            yes =>
            {
                thrown = Assert.Throws<InvalidOperationException>(() => yes.Build());
                return yes.Then("yes", x => x);
            },
            no => no.Then("no", x => x));

        Assert.NotNull(builder.Build());
        Assert.Contains("not inside a branch", thrown!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_Twice_Throws()
    {
        var builder = WorkflowDefinition.Create<int>("twice").Then("a", x => x);
        builder.Build();

        Assert.Throws<InvalidOperationException>(() => builder.Build());
    }

    [Fact]
    public void Build_ValidDefinition_ExposesNameVersionTypesAndStepsInGraphOrder()
    {
        var definition = SampleDefinition();

        Assert.Equal("sample", definition.Name);
        Assert.Equal(3, definition.Version);
        Assert.Equal("Sample workflow", definition.Description);
        Assert.Equal(typeof(int), definition.InputType);
        Assert.Equal(typeof(string), definition.OutputType);
        Assert.Equal(["parse", "big", "small", "left", "right", "each", "sum", "refine", "render"], definition.StepNames);
    }

    [Fact]
    public void ToMermaid_RendersStepsBranchesParallelForEachAndLoop()
    {
        var mermaid = SampleDefinition().ToMermaid();

        Assert.Equal(
            """
            flowchart TD
                start(("start"))
                n0["parse"]
                start --> n0
                n1{"size"}
                n0 --> n1
                n2["big"]
                n1 -->|true| n2
                n3["small"]
                n1 -->|false| n3
                n4[/"pair: fork"/]
                n2 --> n4
                n3 --> n4
                n6["left"]
                n4 --> n6
                n7["right"]
                n4 --> n7
                n5[\"pair: join"\]
                n6 --> n5
                n7 --> n5
                n8[/"digits: for each (max 2 at once)"/]
                n5 --> n8
                n10["each"]
                n8 -->|each item| n10
                n9[\"digits: collect"\]
                n10 --> n9
                n11["sum"]
                n9 --> n11
                n12(("polish"))
                n11 --> n12
                n14["refine"]
                n12 --> n14
                n13{"polish: done? (max 3)"}
                n14 --> n13
                n13 -->|no| n12
                n15["render"]
                n13 -->|yes| n15
                finish(("end"))
                n15 --> finish

            """.ReplaceLineEndings("\n"),
            mermaid);
    }

    internal static WorkflowDefinition<int, string> SampleDefinition() =>
        WorkflowDefinition.Create<int>("sample", version: 3)
            .WithDescription("Sample workflow")
            .Then("parse", x => x)
            .Branch("size", x => x > 10, big => big.Then("big", x => x * 2), small => small.Then("small", x => x + 1))
            .Parallel("pair", l => l.Then("left", x => x - 1), r => r.Then("right", x => x + 1), (l, r) => l + r)
            .ForEach("digits", x => x.ToString(System.Globalization.CultureInfo.InvariantCulture).Select(c => c - '0'), d => d.Then("each", d => d * 2), maxParallelism: 2)
            .Then("sum", (IReadOnlyList<int> digits) => digits.Sum())
            .Loop("polish", body => body.Then("refine", x => x + 1), until: x => x % 3 == 0, maxIterations: 3)
            .Then("render", x => $"<{x}>")
            .Build();

    public sealed class WithGetOnlyProperty
    {
        public int Value { get; set; }

        public int Computed => Value * 2;
    }

    public abstract record Shape;

    public sealed record Circle(double Radius) : Shape;

    public sealed record Holder(IReadOnlyList<Inner> Items);

    public sealed class Inner
    {
        public List<int> Parts { get; set; } = [];

        public int Total => Parts.Sum();
    }

    public sealed record Fine(int Number, string Text, List<int> Values);
}
