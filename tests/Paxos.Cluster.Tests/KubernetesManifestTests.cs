using Paxos.Cluster.Tests.Harness;
using Paxos.Node.Configuration;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Paxos.Cluster.Tests;

/// <summary>
/// deploy/kubernetes (no cluster engine runs here) agrees with its cluster file: one pod per node
/// whose name is the node's id, reachable at the node's url through the headless service, on the
/// node's port; probes on the node's health endpoints; a disruption budget that keeps a quorum.
/// </summary>
public class KubernetesManifestTests
{
    private static readonly string Folder = RepositoryFiles.Path("deploy/kubernetes");

    /// <summary>Every YAML document of every resource the kustomization lists, by kind and name.</summary>
    private static Dictionary<string, Y> Resources()
    {
        var kustomization = Load("kustomization.yaml")[0];
        var resources = new Dictionary<string, Y>(StringComparer.Ordinal);
        foreach (var file in kustomization["resources"].Items)
        {
            foreach (var document in Load(file.Text))
            {
                resources.Add($"{document["kind"].Text}/{document["metadata"]["name"].Text}", document);
            }
        }
        return resources;
    }

    private static List<Y> Load(string file)
    {
        using var reader = new StringReader(File.ReadAllText(Path.Combine(Folder, file)));
        var parser = new Parser(reader);
        var deserializer = new Deserializer();
        parser.Consume<StreamStart>();
        var documents = new List<Y>();
        while (parser.Accept<DocumentStart>(out _))
        {
            documents.Add(new Y(deserializer.Deserialize<object>(parser)));
        }
        return documents;
    }

    [Fact]
    public void The_stateful_set_runs_one_pod_per_node_of_its_cluster_file()
    {
        var resources = Resources();
        var kustomization = Load("kustomization.yaml")[0];
        var generator = kustomization["configMapGenerator"].Items.Single();
        Assert.Equal(["cluster.yaml"], generator["files"].Items.Select(f => f.Text));
        var cluster = ClusterFile.Load(Path.Combine(Folder, "cluster.yaml"));

        var set = resources["StatefulSet/paxos"];
        var spec = set["spec"];
        var pod = spec["template"]["spec"];
        var container = pod["containers"].Items.Single();
        var args = container["args"].Items.Select(a => a.Text).ToList();
        string Arg(string flag) => args[args.IndexOf(flag) + 1];

        Assert.Equal(cluster.Size, int.Parse(spec["replicas"].Text, System.Globalization.CultureInfo.InvariantCulture));
        // A node is ready only once a quorum runs: pods started one by one would wait on the first forever.
        Assert.Equal("Parallel", spec["podManagementPolicy"].Text);

        // The node's id is its pod's name, and every pod's name is a node of the file, reached through the headless service.
        Assert.Equal("node", args[0]);
        Assert.Equal("$(POD_NAME)", Arg("--id"));
        var podName = container["env"].Items.Single(e => e["name"].Text == "POD_NAME");
        Assert.Equal("metadata.name", podName["valueFrom"]["fieldRef"]["fieldPath"].Text);
        string setName = set["metadata"]["name"].Text;
        string serviceName = spec["serviceName"].Text;
        int nodePort = Port(container, "paxos");
        for (int i = 0; i < cluster.Size; i++)
        {
            var node = cluster.Nodes[i];
            Assert.Equal($"{setName}-{i}", node.Id);
            Assert.Equal($"{setName}-{i}.{serviceName}", node.Url.Host);
            Assert.Equal(nodePort, node.Port);
            Assert.Equal(nodePort, node.Url.Port);
        }

        // The file comes from the generated config map; the data directory is the pod's own volume.
        var configVolume = pod["volumes"].Items.Single(v => v["configMap"]["name"].Text == generator["name"].Text);
        var mounts = container["volumeMounts"].Items;
        string configDirectory = mounts.Single(m => m["name"].Text == configVolume["name"].Text)["mountPath"].Text;
        Assert.Equal($"{configDirectory}/cluster.yaml", Arg("--config"));
        string dataVolume = spec["volumeClaimTemplates"].Items.Single()["metadata"]["name"].Text;
        Assert.Equal(Arg("--data-dir"), mounts.Single(m => m["name"].Text == dataVolume)["mountPath"].Text);

        // Probes on the health endpoints the node serves on its metrics port.
        Assert.Equal(Port(container, "metrics"), int.Parse(Arg("--metrics-port"), System.Globalization.CultureInfo.InvariantCulture));
        foreach ((string probe, string path) in new[] { ("startupProbe", "/healthz"), ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz") })
        {
            Assert.Equal(path, container[probe]["httpGet"]["path"].Text);
            Assert.Equal("metrics", container[probe]["httpGet"]["port"].Text);
        }

        // SIGTERM stops the node within the host's 30 s shutdown timeout, inside the pod's grace period.
        Assert.True(int.Parse(pod["terminationGracePeriodSeconds"].Text, System.Globalization.CultureInfo.InvariantCulture) > 30);
    }

    [Fact]
    public void Peers_find_each_other_before_they_are_ready_and_clients_reach_only_ready_nodes()
    {
        var resources = Resources();
        var spec = resources["StatefulSet/paxos"]["spec"];
        var podLabels = spec["template"]["metadata"]["labels"];
        var peers = resources[$"Service/{spec["serviceName"].Text}"]["spec"];
        Assert.Equal("None", peers["clusterIP"].Text);
        Assert.Equal("true", peers["publishNotReadyAddresses"].Text);
        var client = resources["Service/paxos"]["spec"];
        Assert.False(client.Has("publishNotReadyAddresses"));
        foreach (var service in new[] { peers, client })
        {
            AssertSelects(service["selector"], podLabels);
            Assert.Equal("paxos", service["ports"].Items.Single()["targetPort"].Text);
        }
        var cluster = ClusterFile.Load(Path.Combine(Folder, "cluster.yaml"));
        Assert.Equal(cluster.Nodes[0].Port.ToString(System.Globalization.CultureInfo.InvariantCulture), peers["ports"].Items.Single()["port"].Text);
    }

    [Fact]
    public void The_disruption_budget_keeps_a_quorum()
    {
        var resources = Resources();
        var cluster = ClusterFile.Load(Path.Combine(Folder, "cluster.yaml"));
        var budget = resources["PodDisruptionBudget/paxos"]["spec"];
        Assert.Equal(cluster.Size / 2 + 1, int.Parse(budget["minAvailable"].Text, System.Globalization.CultureInfo.InvariantCulture));
        AssertSelects(budget["selector"]["matchLabels"], resources["StatefulSet/paxos"]["spec"]["template"]["metadata"]["labels"]);
    }

    private static int Port(Y container, string name) =>
        int.Parse(container["ports"].Items.Single(p => p["name"].Text == name)["containerPort"].Text, System.Globalization.CultureInfo.InvariantCulture);

    private static void AssertSelects(Y selector, Y labels)
    {
        Assert.NotEmpty(selector.Keys);
        Assert.All(selector.Keys, key => Assert.Equal(selector[key].Text, labels[key].Text));
    }

    /// <summary>A node of a deserialized YAML document: a map, a list or a scalar.</summary>
    private sealed class Y(object? value)
    {
        public Y this[string key] => value is Dictionary<object, object> map && map.TryGetValue(key, out var child)
            ? new Y(child)
            : throw new KeyNotFoundException($"no '{key}' in the manifest here");

        public bool Has(string key) => value is Dictionary<object, object> map && map.ContainsKey(key);

        public IEnumerable<string> Keys => value is Dictionary<object, object> map ? map.Keys.Cast<string>() : [];

        public IEnumerable<Y> Items => value is List<object> list ? list.Select(item => new Y(item)) : throw new InvalidDataException("not a list");

        public string Text => value as string ?? throw new InvalidDataException("not a scalar");
    }
}
