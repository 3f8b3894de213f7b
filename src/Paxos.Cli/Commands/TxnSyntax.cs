using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Paxos.Transport.V1;

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
    public static Compare ParseCompare(string text)
    {
        var match = CompareForm().Match(text);
        if (!match.Success)
        {
            throw new FormatException($"'{text}' is not a compare: write TARGET(KEY) OP OPERAND, TARGET one of value, index, exists and OP one of ==, !=, <, >");
        }
        string operand = match.Groups["operand"].Value;
        var compare = new Compare
        {
            Key = match.Groups["key"].Value,
            Op = match.Groups["op"].Value switch
            {
                "==" => Compare.Types.Op.Equal,
                "!=" => Compare.Types.Op.NotEqual,
                "<" => Compare.Types.Op.Less,
                _ => Compare.Types.Op.Greater,
            },
        };
        switch (match.Groups["target"].Value)
        {
            case "value":
                compare.Target = Compare.Types.Target.Value;
                compare.Value = ByteString.CopyFromUtf8(operand);
                break;
            case "index":
                compare.Target = Compare.Types.Target.Index;
                compare.Index = ulong.TryParse(operand, NumberStyles.None, CultureInfo.InvariantCulture, out ulong index)
                    ? index
                    : throw new FormatException($"'{text}': an index compare needs a whole number, not '{operand}'");
                break;
            default:
                compare.Target = Compare.Types.Target.Exists;
                compare.Exists = operand switch
                {
                    "true" => true,
                    "false" => false,
                    _ => throw new FormatException($"'{text}': an exists compare needs true or false, not '{operand}'"),
                };
                break;
        }
        return compare;
    }

    /// <summary>Parses an operation; throws <see cref="FormatException"/> with the reason.</summary>
    public static TxnOp ParseOperation(string text)
    {
        var match = OperationForm().Match(text);
        if (!match.Success)
        {
            throw new FormatException($"'{text}' is not an operation: write 'put KEY VALUE', 'delete KEY' or 'get KEY'");
        }
        string key = match.Groups["key"].Value;
        return match.Groups["verb"].Value switch
        {
            "put" => new TxnOp { Put = new PutRequest { Key = key, Value = ByteString.CopyFromUtf8(match.Groups["value"].Value) } },
            "delete" => new TxnOp { Delete = new DeleteRequest { Key = key } },
            _ => new TxnOp { Get = new GetRequest { Key = key } },
        };
    }

    [GeneratedRegex(@"^\s*(?<target>value|index|exists)\((?<key>.+?)\)\s*(?<op>==|!=|<|>)\s*(?<operand>.*)$", RegexOptions.Singleline)]
    private static partial Regex CompareForm();

    [GeneratedRegex(@"^\s*(?:(?<verb>put) (?<key>\S+) (?<value>.*)|(?<verb>delete|get) (?<key>\S+)\s*)$", RegexOptions.Singleline)]
    private static partial Regex OperationForm();
}
