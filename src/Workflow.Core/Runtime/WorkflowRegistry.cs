using System.Globalization;
using Microsoft.Extensions.Options;
using Workflow.Definitions;
using Workflow.Definitions.Nodes;
using Workflow.Exceptions;

namespace Workflow.Runtime;

/// <summary>A definition registered in DI with <c>AddWorkflow</c>.</summary>
internal sealed record WorkflowRegistration(WorkflowDefinition Definition);

internal sealed class WorkflowRegistry : IWorkflowRegistry
{
    private readonly Dictionary<(string Name, int Version), WorkflowDefinition> _byVersion = [];
    private readonly Dictionary<string, WorkflowDefinition> _newest = new(StringComparer.Ordinal);

    public WorkflowRegistry(IEnumerable<WorkflowRegistration> registrations, IOptions<WorkflowOptions> options)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        ArgumentNullException.ThrowIfNull(options);
        var serializerOptions = options.Value.SerializerOptions;
        var definitions = new List<WorkflowDefinition>();
        foreach (var registration in registrations)
        {
            var definition = registration.Definition;
            if (_byVersion.TryGetValue((definition.Name, definition.Version), out var existing))
            {
                if (!ReferenceEquals(existing, definition))
                {
                    throw new WorkflowDefinitionException(definition.Name, [
                        string.Create(CultureInfo.InvariantCulture, $"Version {definition.Version} is registered twice with different definitions; give the new one a new version."),
                    ]);
                }

                continue;
            }

            // The host's serializer options may differ from the defaults Build() checked with.
            if (serializerOptions is not null)
            {
                definition.ThrowIfInvalid(serializerOptions);
            }

            _byVersion.Add((definition.Name, definition.Version), definition);
            if (!_newest.TryGetValue(definition.Name, out var newest) || newest.Version < definition.Version)
            {
                _newest[definition.Name] = definition;
            }

            definitions.Add(definition);
        }

        Definitions = definitions;
        foreach (var definition in definitions)
        {
            var missing = DefinitionWalker.Nodes(definition.Root)
                .OfType<SubWorkflowNode>()
                .Where(node => Find(node.Child.Name, node.Child.Version) is not { } found || found.InputType != node.Child.InputType || found.OutputType != node.Child.OutputType)
                .Select(node => $"Sub-workflow '{node.Name}' runs workflow '{node.Child.Name}' version {node.Child.Version}, which is not registered (with those input and output types); register it with AddWorkflow.")
                .ToList();
            if (missing.Count > 0)
            {
                throw new WorkflowDefinitionException(definition.Name, missing);
            }
        }
    }

    public IReadOnlyList<WorkflowDefinition> Definitions { get; }

    public WorkflowDefinition? Find(string workflowName, int? workflowVersion = null)
    {
        ArgumentNullException.ThrowIfNull(workflowName);
        return workflowVersion is { } version
            ? _byVersion.GetValueOrDefault((workflowName, version))
            : _newest.GetValueOrDefault(workflowName);
    }

    public WorkflowDefinition Get(string workflowName, int? workflowVersion) =>
        Find(workflowName, workflowVersion)
        ?? throw new WorkflowDefinitionNotFoundException(workflowName, workflowVersion, Definitions.Select(static d => $"{d.Name}@{d.Version}"));
}
