using Microsoft.Extensions.Logging;

namespace Paxos.Simulation.Infrastructure;

/// <summary>Loggers that write the production code's log lines (information and up) into the run's <see cref="TraceLog"/>, prefixed with the node.</summary>
/// <param name="trace">The run's trace.</param>
/// <param name="prefix">What each line starts with, such as "n2".</param>
public sealed class TraceLoggerFactory(TraceLog trace, string prefix) : ILoggerFactory
{
    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => new TraceLogger(trace, prefix);

    /// <inheritdoc/>
    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("the trace is the only log of a simulated node");

    /// <inheritdoc/>
    public void Dispose()
    {
        // nothing held
    }

    private sealed class TraceLogger(TraceLog trace, string prefix) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                trace.Add($"{prefix} {formatter(state, exception)}");
            }
        }
    }
}
