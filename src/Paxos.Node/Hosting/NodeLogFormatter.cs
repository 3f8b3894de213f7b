using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Paxos.Node.Hosting;

/// <summary>Options of <see cref="NodeLogFormatter"/>: the node id printed on every line.</summary>
public sealed class NodeLogFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>The id printed after the time on every line.</summary>
    public string NodeId { get; set; } = "";
}

/// <summary>One readable line per log event: <c>2026-11-26T15:04:05.123Z node-2 INFO  Category: message</c>.</summary>
public sealed class NodeLogFormatter(IOptionsMonitor<NodeLogFormatterOptions> options) : ConsoleFormatter(Name)
{
    /// <summary>The formatter's name, for <c>ConsoleLoggerOptions.FormatterName</c>.</summary>
    public new const string Name = "paxos-node";

    /// <inheritdoc/>
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        string message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
        {
            return;
        }
        string category = logEntry.Category;
        int dot = category.LastIndexOf('.');
        textWriter.Write(DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
        textWriter.Write(' ');
        textWriter.Write(options.CurrentValue.NodeId);
        textWriter.Write(' ');
        textWriter.Write(LevelName(logEntry.LogLevel));
        textWriter.Write(' ');
        textWriter.Write(dot >= 0 ? category[(dot + 1)..] : category);
        textWriter.Write(": ");
        textWriter.Write(message.ReplaceLineEndings(" "));
        if (logEntry.Exception is { } exception)
        {
            textWriter.Write(" | ");
            textWriter.Write(exception.GetType().Name);
            textWriter.Write(": ");
            textWriter.Write(exception.Message.ReplaceLineEndings(" "));
        }
        textWriter.WriteLine();
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "TRACE",
        LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO ",
        LogLevel.Warning => "WARN ",
        LogLevel.Error => "ERROR",
        LogLevel.Critical => "FATAL",
        _ => "     ",
    };
}
