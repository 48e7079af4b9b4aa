using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Workflow.Client;
using Workflow.Exceptions;
using Workflow.Mcp.Internal;

namespace Workflow.Mcp.Server;

internal sealed partial class WorkflowToolSet
{
    private static readonly JsonObject InstanceIdProperty = new()
    {
        ["type"] = "string",
        ["description"] = "The instance id, as a start tool returned it.",
    };

    private IEnumerable<WorkflowTool> CreateGenericTools()
    {
        var maxWait = (int)Math.Ceiling(Options.MaxWait.TotalSeconds);
        var waitProperty = new JsonObject
        {
            ["type"] = "integer",
            ["minimum"] = 0,
            ["maximum"] = maxWait,
            ["description"] = $"How long to wait for the instance to end; the default is {(int)Options.DefaultWait.TotalSeconds}.",
        };

        yield return Tool(WorkflowToolNames.GetStatus, "Get workflow status",
            "Gets a workflow instance's status, and its result or failure when it has ended, and the approvals it waits for.",
            Schema(new() { ["instanceId"] = InstanceIdProperty.DeepClone() }, "instanceId"),
            readOnly: true, destructive: false, idempotent: true,
            (call, ct) => WaitAndReportAsync(call, call.RequiredString("instanceId"), TimeSpan.Zero, stopAtApproval: false, ct));

        yield return Tool(WorkflowToolNames.GetResult, "Get workflow result",
            "Waits up to waitSeconds for a workflow instance to end, then returns its status and its result or failure.",
            Schema(new() { ["instanceId"] = InstanceIdProperty.DeepClone(), ["waitSeconds"] = waitProperty.DeepClone() }, "instanceId"),
            readOnly: true, destructive: false, idempotent: true,
            (call, ct) => WaitAndReportAsync(call, call.RequiredString("instanceId"), call.GetWait(), stopAtApproval: false, ct));

        yield return Tool(WorkflowToolNames.ListInstances, "List workflow instances",
            "Lists workflow instances, newest first, one page at a time.",
            Schema(new()
            {
                ["workflowName"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray([.. _exposed.Keys.Order(StringComparer.Ordinal).Select(static n => JsonValue.Create(n))]) },
                ["status"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray([.. Enum.GetNames<WorkflowStatus>().Select(static n => JsonValue.Create(n))]) },
                ["pageSize"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = 100 },
                ["continuationToken"] = new JsonObject { ["type"] = "string", ["description"] = "The token of the next page, from the previous call." },
            }),
            readOnly: true, destructive: false, idempotent: true,
            ListInstancesAsync);

        yield return Tool(WorkflowToolNames.ListPendingApprovals, "List pending approvals",
            "Lists the approvals that wait for an answer, oldest first: of one instance, or across instances. canAnswer says whether you may answer each.",
            Schema(new()
            {
                ["instanceId"] = new JsonObject { ["type"] = "string", ["description"] = "Only this instance's approvals." },
                ["workflowName"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray([.. _exposed.Keys.Order(StringComparer.Ordinal).Select(static n => JsonValue.Create(n))]) },
                ["continuationToken"] = new JsonObject { ["type"] = "string" },
            }),
            readOnly: true, destructive: false, idempotent: true,
            ListPendingApprovalsAsync);

        yield return Tool(WorkflowToolNames.AnswerApproval, "Answer an approval",
            "Approves or rejects a pending approval; the answer is recorded with your identity, and the workflow goes on. An approval can be answered once.",
            Schema(new()
            {
                ["instanceId"] = InstanceIdProperty.DeepClone(),
                ["stepPath"] = new JsonObject { ["type"] = "string", ["description"] = "The approval's step path, from list_pending_approvals." },
                ["approved"] = new JsonObject { ["type"] = "boolean" },
                ["comment"] = new JsonObject { ["type"] = "string" },
            }, "instanceId", "stepPath", "approved"),
            readOnly: false, destructive: false, idempotent: false,
            AnswerApprovalAsync);

        yield return Tool(WorkflowToolNames.RaiseEvent, "Raise a workflow event",
            "Raises an external event to a workflow instance; the workflow consumes it at its wait for that event name.",
            Schema(new()
            {
                ["instanceId"] = InstanceIdProperty.DeepClone(),
                ["eventName"] = new JsonObject { ["type"] = "string" },
                ["payload"] = new JsonObject { ["description"] = "The event's payload; it must fit the type the workflow declares for the event." },
                ["eventId"] = new JsonObject { ["type"] = "string", ["description"] = "An id that makes raising idempotent: raising again with it appends nothing." },
            }, "instanceId", "eventName", "payload"),
            readOnly: false, destructive: false, idempotent: false,
            RaiseEventAsync);

        yield return Tool(WorkflowToolNames.Cancel, "Cancel a workflow instance",
            "Cancels a workflow instance: its running steps are stopped and its completed steps compensated. Canceling an ended instance does nothing.",
            Schema(new() { ["instanceId"] = InstanceIdProperty.DeepClone(), ["reason"] = new JsonObject { ["type"] = "string" } }, "instanceId"),
            readOnly: false, destructive: true, idempotent: true,
            CancelAsync);
    }

    private WorkflowTool Tool(
        string name, string title, string description, JsonObject schema, bool readOnly, bool destructive, bool idempotent,
        Func<WorkflowToolCall, CancellationToken, Task<JsonNode>> handler) =>
        new(new Tool
        {
            Name = name,
            Title = title,
            Description = description,
            InputSchema = JsonSerializer.SerializeToElement(schema, JsonOptions),
            Annotations = new ToolAnnotations { ReadOnlyHint = readOnly, DestructiveHint = destructive, IdempotentHint = idempotent, OpenWorldHint = false },
        }, this, handler);

    private static JsonObject Schema(JsonObject properties, params string[] required)
    {
        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties };
        if (required.Length > 0)
        {
            schema["required"] = new JsonArray([.. required.Select(static r => JsonValue.Create(r))]);
        }

        return schema;
    }

    /// <summary>Finds an instance of an exposed workflow that the caller may read; others are reported as missing, so
    /// the tools reveal nothing about instances they do not serve.</summary>
    private async Task<WorkflowInstanceInfo> FindInstanceAsync(WorkflowToolCall call, string instanceId, CancellationToken cancellationToken)
    {
        WorkflowInstanceInfo? info;
        try
        {
            info = await Client.GetInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false);
        }
        catch (WorkflowNotFoundException)
        {
            info = null;
        }

        if (info is null || !_exposed.ContainsKey(info.WorkflowName))
        {
            throw new McpException($"No workflow instance '{instanceId}' exists. Check the id: start tools and {WorkflowToolNames.ListInstances} return them.");
        }

        await call.AuthorizeAsync(WorkflowToolOperation.Read, info.WorkflowName, instanceId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return info;
    }

    private async Task<JsonNode> WaitAndReportAsync(WorkflowToolCall call, string instanceId, TimeSpan wait, bool stopAtApproval, CancellationToken cancellationToken)
    {
        var info = await FindInstanceAsync(call, instanceId, cancellationToken).ConfigureAwait(false);
        WorkflowHistoryEvent? terminal = null;
        if (!info.Status.IsTerminal() && wait > TimeSpan.Zero)
        {
            terminal = await WatchAsync(call, instanceId, wait, stopAtApproval, cancellationToken).ConfigureAwait(false);
            info = await Client.GetInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false);
        }

        if (info.Status.IsTerminal() && terminal is null)
        {
            terminal = await Client.WaitForCompletionAsync(instanceId, cancellationToken).ConfigureAwait(false);
        }

        var report = new JsonObject
        {
            ["instanceId"] = instanceId,
            ["workflow"] = info.WorkflowName,
            ["version"] = info.WorkflowVersion,
            ["status"] = info.Status.ToString(),
            ["createdAt"] = info.CreatedAt,
            ["completedAt"] = info.CompletedAt,
        };
        switch (terminal)
        {
            case WorkflowCompletedEvent completed:
                report["output"] = JsonNode.Parse(completed.Output.GetRawText());
                break;
            case WorkflowFailedEvent failed:
                report["failure"] = new JsonObject
                {
                    ["errorType"] = failed.Failure.ErrorType,
                    ["message"] = failed.Failure.Message,
                    ["stepPath"] = failed.Failure.StepPath,
                };
                break;
            case WorkflowCanceledEvent canceled:
                report["reason"] = canceled.Reason;
                break;
        }

        if (!info.Status.IsTerminal())
        {
            var pending = await Client.GetPendingApprovalsAsync(instanceId, cancellationToken).ConfigureAwait(false);
            report["pendingApprovals"] = new JsonArray([.. pending.Select(static p => (JsonNode)new JsonObject
            {
                ["stepPath"] = p.StepPath,
                ["request"] = JsonNode.Parse(p.Request.GetRawText()),
                ["requestedAt"] = p.RequestedAt,
                ["deadline"] = p.Deadline,
            })]);
            report["message"] = pending.Count > 0
                ? $"The instance waits for an approval: answer it with {WorkflowToolNames.AnswerApproval}, then call {WorkflowToolNames.GetResult}."
                : $"The instance is still running: call {WorkflowToolNames.GetResult} to wait for its result.";
        }

        return report;
    }

    /// <summary>Watches the instance until it ends (returning the event that ended it), until it waits for an approval
    /// (when <paramref name="stopAtApproval"/>), or until <paramref name="wait"/> passes, sending what happens as
    /// progress notifications when the caller asked for them. The result never depends on a notification arriving.</summary>
    private async Task<WorkflowHistoryEvent?> WatchAsync(WorkflowToolCall call, string instanceId, TimeSpan wait, bool stopAtApproval, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(wait, TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var token = call.ProgressToken;
        var sent = 0;
        try
        {
            await foreach (var update in Client.WatchAsync(instanceId, 1, linked.Token).ConfigureAwait(false))
            {
                if (token is { } progressToken && Describe(update) is { } message)
                {
                    await call.Request.Server.NotifyProgressAsync(
                        progressToken, new ProgressNotificationValue { Progress = ++sent, Message = message }, cancellationToken: linked.Token).ConfigureAwait(false);
                }

                if (update is WorkflowHistoryEvent { IsTerminal: true } terminal)
                {
                    return terminal;
                }

                if (stopAtApproval && update is ApprovalRequestedEvent
                    && (await Client.GetPendingApprovalsAsync(instanceId, linked.Token).ConfigureAwait(false)).Count > 0)
                {
                    return null;
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The wait is over; the report says the instance is still running.
        }

        return null;
    }

    private static string? Describe(WorkflowUpdate update) => update switch
    {
        WorkflowStartedEvent => "workflow started",
        StepStartedUpdate started => started.Attempt > 1 ? $"step {started.StepPath} started (attempt {started.Attempt})" : $"step {started.StepPath} started",
        StepProgressUpdate { Message: { } message } progress => $"step {progress.StepPath}: {message}",
        StepCompletedEvent completed => $"step {completed.StepPath} completed",
        StepAttemptFailedEvent failed => $"step {failed.StepPath} failed (attempt {failed.Attempt}); it will be retried",
        ApprovalRequestedEvent approval => $"waiting for approval {approval.Path}",
        ApprovalAnsweredEvent answered => $"approval {answered.Path} answered",
        WaitStartedEvent waiting => $"waiting at {waiting.Path}",
        WorkflowHistoryEvent { IsTerminal: true } end => $"workflow ended ({end.EventType})",
        _ => null,
    };

    private async Task<JsonNode> ListInstancesAsync(WorkflowToolCall call, CancellationToken cancellationToken)
    {
        var workflowName = call.GetString("workflowName");
        if (workflowName is not null && !_exposed.ContainsKey(workflowName))
        {
            throw new McpException($"This server serves no workflow '{workflowName}'. It serves: {string.Join(", ", _exposed.Keys.Order(StringComparer.Ordinal))}.");
        }

        WorkflowStatus? status = call.GetString("status") is { } text
            ? Enum.TryParse<WorkflowStatus>(text, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
                ? parsed
                : throw new McpException($"The argument 'status' must be one of {string.Join(", ", Enum.GetNames<WorkflowStatus>())}, not '{text}'.")
            : null;
        var page = await Client.QueryAsync(new WorkflowInstanceQuery
        {
            WorkflowName = workflowName,
            Status = status,
            PageSize = call.GetInteger("pageSize", 1, 100) ?? 20,
            ContinuationToken = call.GetString("continuationToken"),
        }, cancellationToken).ConfigureAwait(false);
        var instances = new JsonArray();
        foreach (var info in page.Instances)
        {
            if (_exposed.ContainsKey(info.WorkflowName)
                && await call.IsAllowedAsync(WorkflowToolOperation.Read, info.WorkflowName, info.InstanceId, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                instances.Add(new JsonObject
                {
                    ["instanceId"] = info.InstanceId,
                    ["workflow"] = info.WorkflowName,
                    ["version"] = info.WorkflowVersion,
                    ["status"] = info.Status.ToString(),
                    ["createdAt"] = info.CreatedAt,
                    ["completedAt"] = info.CompletedAt,
                });
            }
        }

        return new JsonObject { ["instances"] = instances, ["continuationToken"] = page.ContinuationToken };
    }

    private async Task<JsonNode> ListPendingApprovalsAsync(WorkflowToolCall call, CancellationToken cancellationToken)
    {
        IReadOnlyList<PendingApproval> approvals;
        string? next = null;
        if (call.GetString("instanceId") is { } instanceId)
        {
            await FindInstanceAsync(call, instanceId, cancellationToken).ConfigureAwait(false);
            approvals = await Client.GetPendingApprovalsAsync(instanceId, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var workflowName = call.GetString("workflowName");
            if (workflowName is not null && !_exposed.ContainsKey(workflowName))
            {
                throw new McpException($"This server serves no workflow '{workflowName}'. It serves: {string.Join(", ", _exposed.Keys.Order(StringComparer.Ordinal))}.");
            }

            var page = await Client.QueryPendingApprovalsAsync(
                new PendingApprovalQuery { WorkflowName = workflowName, PageSize = 50, ContinuationToken = call.GetString("continuationToken") },
                cancellationToken).ConfigureAwait(false);
            approvals = page.Approvals;
            next = page.ContinuationToken;
        }

        var items = new JsonArray();
        foreach (var approval in approvals)
        {
            if (!_exposed.ContainsKey(approval.WorkflowName)
                || !await call.IsAllowedAsync(WorkflowToolOperation.Read, approval.WorkflowName, approval.InstanceId, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            items.Add(new JsonObject
            {
                ["instanceId"] = approval.InstanceId,
                ["workflow"] = approval.WorkflowName,
                ["stepPath"] = approval.StepPath,
                ["request"] = JsonNode.Parse(approval.Request.GetRawText()),
                ["requestedAt"] = approval.RequestedAt,
                ["deadline"] = approval.Deadline,
                ["canAnswer"] = await call.IsAllowedAsync(
                    WorkflowToolOperation.AnswerApproval, approval.WorkflowName, approval.InstanceId, approval.StepPath, cancellationToken: cancellationToken).ConfigureAwait(false),
            });
        }

        return new JsonObject { ["approvals"] = items, ["continuationToken"] = next };
    }

    private async Task<JsonNode> AnswerApprovalAsync(WorkflowToolCall call, CancellationToken cancellationToken)
    {
        var instanceId = call.RequiredString("instanceId");
        var stepPath = call.RequiredString("stepPath");
        var approved = call.RequiredBoolean("approved");
        var comment = call.GetString("comment");
        var info = await FindInstanceAsync(call, instanceId, cancellationToken).ConfigureAwait(false);
        await call.AuthorizeAsync(WorkflowToolOperation.AnswerApproval, info.WorkflowName, instanceId, stepPath, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (call.CallerName == "anonymous" && call.Caller.Identity?.IsAuthenticated != true)
        {
            throw new McpException("An anonymous caller cannot answer approvals: the answer records who gave it. Authenticate, or (over stdio) configure WorkflowToolOptions.LocalCaller.");
        }

        await Client.AnswerApprovalAsync(instanceId, stepPath, approved, call.CallerName, comment, cancellationToken).ConfigureAwait(false);
        return new JsonObject
        {
            ["instanceId"] = instanceId,
            ["stepPath"] = stepPath,
            ["approved"] = approved,
            ["by"] = call.CallerName,
        };
    }

    private async Task<JsonNode> RaiseEventAsync(WorkflowToolCall call, CancellationToken cancellationToken)
    {
        var instanceId = call.RequiredString("instanceId");
        var eventName = call.RequiredString("eventName");
        var payload = call.Required("payload");
        var eventId = call.GetString("eventId");
        var info = await FindInstanceAsync(call, instanceId, cancellationToken).ConfigureAwait(false);
        await call.AuthorizeAsync(WorkflowToolOperation.RaiseEvent, info.WorkflowName, instanceId, eventName: eventName, cancellationToken: cancellationToken).ConfigureAwait(false);
        await Client.RaiseEventAsync(instanceId, eventName, payload, new RaiseEventOptions { EventId = eventId }, cancellationToken).ConfigureAwait(false);
        return new JsonObject { ["instanceId"] = instanceId, ["eventName"] = eventName, ["raised"] = true };
    }

    private async Task<JsonNode> CancelAsync(WorkflowToolCall call, CancellationToken cancellationToken)
    {
        var instanceId = call.RequiredString("instanceId");
        var info = await FindInstanceAsync(call, instanceId, cancellationToken).ConfigureAwait(false);
        await call.AuthorizeAsync(WorkflowToolOperation.Cancel, info.WorkflowName, instanceId, cancellationToken: cancellationToken).ConfigureAwait(false);
        var reason = call.GetString("reason");
        await Client.CancelAsync(instanceId, $"Canceled by {call.CallerName}{(reason is null ? "." : ": " + reason)}", cancellationToken).ConfigureAwait(false);
        return new JsonObject { ["instanceId"] = instanceId, ["cancelRequested"] = !info.Status.IsTerminal(), ["status"] = info.Status.ToString() };
    }
}
