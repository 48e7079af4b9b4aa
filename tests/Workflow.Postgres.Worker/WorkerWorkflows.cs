using Workflow.Definitions;
using Workflow.Steps;

namespace Workflow.Postgres.Worker;

/// <summary>
/// The workflows the worker nodes run. The tests compile this file too, to start instances from a front end; each step
/// calls <c>step</c>, which on a worker writes the step's side effect and returns the id of the node that ran it.
/// </summary>
public static class WorkerWorkflows
{
    public const string Work = "mn-work";
    public const string Timer = "mn-timer";
    public const string Signal = "mn-signal";

    /// <summary>How long an <see cref="Timer"/> instance sleeps between its two steps.</summary>
    public static readonly TimeSpan Nap = TimeSpan.FromSeconds(2);

    /// <summary>The table every run of a step writes a row to (see <c>SideEffectLog</c>), in <paramref name="schema"/>.</summary>
    public static string CreateSideEffectsSql(string schema) => $"""
        CREATE SCHEMA IF NOT EXISTS "{schema}";
        CREATE TABLE IF NOT EXISTS "{schema}".side_effects (
            id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            instance_id   text        NOT NULL,
            step          text        NOT NULL,
            node          text        NOT NULL,
            attempt       integer     NOT NULL,
            lease_owner   text,
            fencing_token bigint,
            at            timestamptz NOT NULL DEFAULT clock_timestamp())
        """;

    /// <summary>Three steps; the result is the node that ran the last one.</summary>
    public static WorkflowDefinition<int, string> CreateWork(Func<StepContext, CancellationToken, Task<string>> step) =>
        WorkflowDefinition.Create<int>(Work)
            .Then("one", (_, context, ct) => step(context, ct))
            .Then("two", (_, context, ct) => step(context, ct))
            .Then("three", (_, context, ct) => step(context, ct))
            .Build();

    /// <summary>A step, a durable timer of <see cref="Nap"/>, and a step.</summary>
    public static WorkflowDefinition<int, string> CreateTimer(Func<StepContext, CancellationToken, Task<string>> step) =>
        WorkflowDefinition.Create<int>(Timer)
            .Then("before", (_, context, ct) => step(context, ct))
            .Delay("nap", Nap)
            .Then("after", (_, context, ct) => step(context, ct))
            .Build();

    /// <summary>A step, a wait for the event <c>go</c>, and a step.</summary>
    public static WorkflowDefinition<int, string> CreateSignal(Func<StepContext, CancellationToken, Task<string>> step) =>
        WorkflowDefinition.Create<int>(Signal)
            .Then("before", (_, context, ct) => step(context, ct))
            .WaitForEvent<string>("go")
            .Then("after", (_, context, ct) => step(context, ct))
            .Build();
}
