using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Paxos.Client;

namespace Paxos.Cli.Commands;

/// <summary>
/// The small language of <c>paxos txn</c>: compares such as <c>value(KEY) == TEXT</c>,
/// <c>index(KEY) &lt; 42</c> or <c>exists(KEY) != true</c>, and operations <c>put KEY TEXT</c>,
/// <c>delete KEY</c> and <c>get KEY</c>. Values are UTF-8 text; a compare's key ends at the first
/// <c>)</c> before its operator, an operation's key at the first space.
/// </summary>
internal static partial class TxnSyntax
{
    /// <summary>Parses a compare; throws <see cref="FormatException"/> with the reason.</summary>
    public static TxnCompare ParseCompare(string text)
    {
        var match = CompareForm().Match(text);
        if (!match.Success)
        {
            throw new FormatException($"'{text}' is not a compare: write TARGET(KEY) OP OPERAND, TARGET one of value, index, exists and OP one of ==, !=, <, >");
        }
        string key = match.Groups["key"].Value;
        string op = match.Groups["op"].Value;
        string operand = match.Groups["operand"].Value;
        var compareOp = op switch
        {
            "==" => TxnCompareOp.Equal,
            "!=" => TxnCompareOp.NotEqual,
            "<" => TxnCompareOp.Less,
            _ => TxnCompareOp.Greater,
        };
        switch (match.Groups["target"].Value)
        {
            case "value":
                return TxnCompare.Value(key, compareOp, Encoding.UTF8.GetBytes(operand));
            case "index":
                return ulong.TryParse(operand, NumberStyles.None, CultureInfo.InvariantCulture, out ulong index)
                    ? TxnCompare.Index(key, compareOp, index)
                    : throw new FormatException($"'{text}': an index compare needs a whole number, not '{operand}'");
            default:
                bool exists = operand switch
                {
                    "true" => true,
                    "false" => false,
                    _ => throw new FormatException($"'{text}': an exists compare needs true or false, not '{operand}'"),
                };
                return compareOp switch
                {
                    TxnCompareOp.Equal => TxnCompare.Exists(key, exists),
                    TxnCompareOp.NotEqual => TxnCompare.Exists(key, !exists),
                    _ => throw new FormatException($"'{text}': an exists compare takes == or !="),
                };
        }
    }

    /// <summary>Parses an operation; throws <see cref="FormatException"/> with the reason.</summary>
    public static TxnStep ParseOperation(string text)
    {
        var match = OperationForm().Match(text);
        if (!match.Success)
        {
            throw new FormatException($"'{text}' is not an operation: write 'put KEY VALUE', 'delete KEY' or 'get KEY'");
        }
        string key = match.Groups["key"].Value;
        string verb = match.Groups["verb"].Value;
        return new TxnStep(verb, key, verb switch
        {
            "put" => TxnOperation.Put(key, Encoding.UTF8.GetBytes(match.Groups["value"].Value)),
            "delete" => TxnOperation.Delete(key),
            _ => TxnOperation.Get(key),
        });
    }

    /// <summary>An operation as written: its verb (put, delete, get), its key, and the operation sent.</summary>
    public sealed record TxnStep(string Verb, string Key, TxnOperation Operation);

    [GeneratedRegex(@"^\s*(?<target>value|index|exists)\((?<key>.+?)\)\s*(?<op>==|!=|<|>)\s*(?<operand>.*)$", RegexOptions.Singleline)]
    private static partial Regex CompareForm();

    [GeneratedRegex(@"^\s*(?:(?<verb>put) (?<key>\S+) (?<value>.*)|(?<verb>delete|get) (?<key>\S+)\s*)$", RegexOptions.Singleline)]
    private static partial Regex OperationForm();
}
