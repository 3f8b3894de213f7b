using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Paxos.Fuzz.Tests;

/// <summary>
/// Mutations that keep a protobuf message well-formed and change what it says: a scalar field
/// anywhere inside it set to a boundary value (0, 1, small numbers, the largest and, for signed
/// fields, negative ones), a bool flipped, a string or bytes field replaced or emptied, an element
/// of a repeated field dropped or doubled. Byte mutations mostly break the encoding; these reach
/// the checks behind the parser (a ballot of another node, a slot out of range, an entry in the
/// wrong ballot).
/// </summary>
internal static class FieldMutations
{
    private static readonly ulong[] Unsigned = [0, 1, 2, 3, 4, 5, 7, 64, 1_000_000, uint.MaxValue, long.MaxValue, ulong.MaxValue];
    private static readonly long[] Signed = [-1, 0, 1, 2, 3, 30, 31, int.MaxValue, int.MinValue];
    private static readonly string[] Strings = ["", "a", "node-0", "node-1", "\u00e9", new string('k', 1025), "key"];

    /// <summary>The bytes of a copy of <paramref name="message"/> with <paramref name="count"/> field mutations.</summary>
    public static byte[] Mutate(IMessage message, int count, Random random)
    {
        var copy = message.Descriptor.Parser.ParseFrom(message.ToByteArray());
        for (int i = 0; i < count; i++)
        {
            var fields = new List<(IMessage Owner, FieldDescriptor Field)>();
            Collect(copy, fields);
            if (fields.Count == 0)
            {
                break;
            }
            var (owner, field) = fields[random.Next(fields.Count)];
            Change(owner, field, random);
        }
        return copy.ToByteArray();
    }

    /// <summary>Every field of <paramref name="message"/> and the messages within it (set or not, so that absent fields get set too).</summary>
    private static void Collect(IMessage message, List<(IMessage, FieldDescriptor)> fields)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            fields.Add((message, field));
            object value = field.Accessor.GetValue(message);
            if (field.IsRepeated && value is System.Collections.IList list)
            {
                foreach (var item in list)
                {
                    if (item is IMessage inner)
                    {
                        Collect(inner, fields);
                    }
                }
            }
            else if (field.FieldType == FieldType.Message && value is IMessage inner)
            {
                Collect(inner, fields);
            }
        }
    }

    private static void Change(IMessage owner, FieldDescriptor field, Random random)
    {
        if (field.IsRepeated)
        {
            var list = (System.Collections.IList)field.Accessor.GetValue(owner);
            if (list.Count > 0)
            {
                int at = random.Next(list.Count);
                if (random.Next(2) == 0)
                {
                    list.RemoveAt(at);
                }
                else
                {
                    list.Add(list[at]);
                }
            }
            else if (field.FieldType is FieldType.UInt64)
            {
                list.Add(Unsigned[random.Next(Unsigned.Length)]);
            }
            return;
        }
        if (field.ContainingOneof is { } oneof && oneof.Accessor.GetCaseFieldDescriptor(owner) != field)
        {
            return; // setting another case would drop the body: a byte mutation's job
        }
        object? value = field.FieldType switch
        {
            FieldType.UInt64 or FieldType.Fixed64 => Unsigned[random.Next(Unsigned.Length)],
            FieldType.UInt32 or FieldType.Fixed32 => (uint)Unsigned[random.Next(Unsigned.Length)],
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => Signed[random.Next(Signed.Length)],
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => (int)Signed[random.Next(Signed.Length)],
            FieldType.Enum => (int)Signed[random.Next(Signed.Length)],
            FieldType.Bool => !(bool)field.Accessor.GetValue(owner),
            FieldType.String => Strings[random.Next(Strings.Length)],
            FieldType.Bytes => ByteString.CopyFrom(RandomBytes(random)),
            FieldType.Message => random.Next(2) == 0 ? null : field.MessageType.Parser.ParseFrom([]),
            _ => field.Accessor.GetValue(owner),
        };
        if (value is null)
        {
            field.Accessor.Clear(owner);
        }
        else
        {
            field.Accessor.SetValue(owner, value);
        }
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(3) switch { 0 => 0, 1 => random.Next(1, 16), _ => random.Next(1, 2048) }];
        random.NextBytes(bytes);
        return bytes;
    }
}
