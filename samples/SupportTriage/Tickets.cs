using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace SupportTriage;

/// <summary>A support ticket as it arrives.</summary>
public sealed record Ticket(string Id, string Customer, string OrderId, string Text);

/// <summary>What a ticket is about.</summary>
public enum TicketCategory
{
    Refund,
    Delivery,
    Question,
}

/// <summary>The typed record the model classifies a ticket into; its JSON schema is what the reply is validated against.</summary>
public sealed record Triage(
    [property: Description("What the ticket is about.")] TicketCategory Category,
    [property: Description("The order the ticket is about, as the customer gave it.")] string OrderId,
    [property: Description("How urgent the ticket is, from 1 (whenever) to 5 (now)."), Range(1, 5)] int Urgency,
    [property: Description("The customer's request in one sentence.")] string Summary);
