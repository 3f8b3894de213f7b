using System.Globalization;

namespace Paxos.Bench;

/// <summary>How busy the machine is: benchmark numbers from a loaded machine are worth less, so results record it.</summary>
internal static class SystemLoad
{
    /// <summary>The 1-minute load average from /proc/loadavg; 0 where there is none.</summary>
    public static double OneMinute()
    {
        try
        {
            string text = File.ReadAllText("/proc/loadavg");
            int space = text.IndexOf(' ', StringComparison.Ordinal);
            return space > 0 && double.TryParse(text.AsSpan(0, space), NumberStyles.Float, CultureInfo.InvariantCulture, out double load) ? load : 0;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
