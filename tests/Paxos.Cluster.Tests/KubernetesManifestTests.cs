using System.Globalization;
using Paxos.Cluster.Tests.Harness;
using Paxos.Node.Configuration;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Paxos.Cluster.Tests;

/// <summary>
/// deploy/kubernetes (no cluster engine runs here) agrees with its cluster file: one pod per node
/// whose name is the node's id, reachable at the node's url through the headless service, on the
/// node's port; probes on the node's health endpoints; a disruption budget that keeps a quorum;
/// and scaling: its scripts, run with a stand-in for <c>paxos</c>, start a pod beyond the founders
/// as a joining node under an id of its own and add and promote it, and nothing removes a member.
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
    public void The_stateful_set_runs_one_pod_per_founding_node_of_its_cluster_file()
    {
        var resources = Resources();
        var kustomization = Load("kustomization.yaml")[0];
        var generators = kustomization["configMapGenerator"].Items.ToDictionary(g => g["name"].Text, g => g["files"].Items.Select(f => f.Text).ToList());
        Assert.Equal(["cluster.yaml"], generators["paxos-cluster"]);
        Assert.Equal(["scripts/start.sh", "scripts/member.sh"], generators["paxos-scripts"]);
        var cluster = ClusterFile.Load(Path.Combine(Folder, "cluster.yaml"));

        var set = resources["StatefulSet/paxos"];
        var spec = set["spec"];
        var pod = spec["template"]["spec"];
        var container = Container(pod, "paxos");

        Assert.Equal(cluster.Size, int.Parse(spec["replicas"].Text, CultureInfo.InvariantCulture));
        Assert.Equal(cluster.Size.ToString(CultureInfo.InvariantCulture), Env(container)["FOUNDERS"]);
        // A node is ready only once a quorum runs: pods started one by one would wait on the first forever.
        Assert.Equal("Parallel", spec["podManagementPolicy"].Text);

        // The pods' names are the founding nodes, reached through the headless service on the node's port.
        string setName = set["metadata"]["name"].Text;
        string serviceName = spec["serviceName"].Text;
        int nodePort = Port(container, "paxos");
        Assert.Equal(serviceName, Env(container)["PEERS"]);
        Assert.Equal(nodePort.ToString(CultureInfo.InvariantCulture), Env(container)["PORT"]);
        for (int i = 0; i < cluster.Size; i++)
        {
            var node = cluster.Nodes[i];
            Assert.Equal($"{setName}-{i}", node.Id);
            Assert.Equal($"{setName}-{i}.{serviceName}", node.Url.Host);
            Assert.Equal(nodePort, node.Port);
            Assert.Equal(nodePort, node.Url.Port);
        }

        // The start script, the cluster file and the data directory where the scripts expect them.
        Assert.Equal(["/bin/sh", $"{Mount(pod, container, "paxos-scripts")}/start.sh"], container["command"].Items.Select(a => a.Text));
        Assert.Equal(ScriptDefault("start.sh", "CONFIG"), $"{Mount(pod, container, "paxos-cluster")}/cluster.yaml");
        Assert.Equal(ScriptDefault("start.sh", "DATA"), DataMount(spec, container));
        Assert.Equal("dotnet /app/paxos.dll", ScriptDefault("start.sh", "PAXOS"));

        // Probes on the health endpoints the node serves on its metrics port.
        Assert.Equal(Port(container, "metrics").ToString(CultureInfo.InvariantCulture), Env(container)["METRICS_PORT"]);
        foreach ((string probe, string path) in new[] { ("startupProbe", "/healthz"), ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz") })
        {
            Assert.Equal(path, container[probe]["httpGet"]["path"].Text);
            Assert.Equal("metrics", container[probe]["httpGet"]["port"].Text);
        }

        // SIGTERM stops the node within the host's 30 s shutdown timeout, inside the pod's grace period.
        Assert.True(int.Parse(pod["terminationGracePeriodSeconds"].Text, CultureInfo.InvariantCulture) > 30);
    }

    [Fact]
    public async Task A_founding_pod_runs_its_own_node_and_a_pod_beyond_them_joins_under_a_new_id_kept_on_its_volume()
    {
        var container = Container(Resources()["StatefulSet/paxos"]["spec"]["template"]["spec"], "paxos");
        var cluster = ClusterFile.Load(Path.Combine(Folder, "cluster.yaml"));
        using var sandbox = new KubernetesScriptSandbox();
        string config = Path.Combine(Folder, "cluster.yaml");
        string volume = sandbox.Folder("volume");

        var founder = await sandbox.RunAsync("start.sh", Env(container), "paxos-2", volume, config);
        Assert.Equal([$"node --config {config} --id paxos-2 --data-dir {volume} --metrics-port 9100"], founder);

        var joined = (await sandbox.RunAsync("start.sh", Env(container), "paxos-5", volume, config)).Single().Split(' ');
        string id = joined[4];
        Assert.Matches("^paxos-5-[0-9a-f]{8}$", id);
        Assert.Equal(["node", "--config", joined[2], "--id", id, "--data-dir", Path.Combine(volume, "node"), "--metrics-port", "9100", "--join"], joined);
        var joinFile = ClusterFile.Load(joined[2]);
        Assert.Equal([.. cluster.Nodes.Select(n => n.Id), id], joinFile.Nodes.Select(n => n.Id));
        Assert.Equal(new Uri("http://paxos-5.paxos-peers:8080"), joinFile.Nodes[^1].Url);
        Assert.Equal(8080, joinFile.Nodes[^1].Port);

        // Restarted on its volume it is the same node; a new pod of that name (its volume deleted on scale-down) is a new one.
        Assert.Equal(id, (await sandbox.RunAsync("start.sh", Env(container), "paxos-5", volume, config)).Single().Split(' ')[4]);
        Assert.NotEqual(id, (await sandbox.RunAsync("start.sh", Env(container), "paxos-5", sandbox.Folder("new-volume"), config)).Single().Split(' ')[4]);
        Assert.Equal("Delete", Resources()["StatefulSet/paxos"]["spec"]["persistentVolumeClaimRetentionPolicy"]["whenScaled"].Text);
        Assert.Equal("Retain", Resources()["StatefulSet/paxos"]["spec"]["persistentVolumeClaimRetentionPolicy"]["whenDeleted"].Text);
    }

    [Fact]
    public async Task The_sidecar_adds_a_joining_node_as_a_learner_promotes_it_once_caught_up_and_never_removes_a_member()
    {
        var resources = Resources();
        var spec = resources["StatefulSet/paxos"]["spec"];
        var pod = spec["template"]["spec"];
        var node = Container(pod, "paxos");
        var sidecar = Container(pod, "member");
        var sidecarEnv = Env(sidecar);
        foreach (string name in new[] { "POD_NAME", "FOUNDERS", "PEERS", "PORT" })
        {
            Assert.Equal(Env(node)[name], sidecarEnv[name]);
        }
        var clients = resources["Service/paxos"];
        Assert.Equal($"http://{clients["metadata"]["name"].Text}:{clients["spec"]["ports"].Items.Single()["port"].Text}", sidecarEnv["CLIENTS"]);
        Assert.Equal(["/bin/sh", $"{Mount(pod, sidecar, "paxos-scripts")}/member.sh"], sidecar["command"].Items.Select(a => a.Text));
        Assert.Equal(DataMount(spec, node), DataMount(spec, sidecar));
        Assert.Equal(ScriptDefault("member.sh", "DATA"), DataMount(spec, sidecar));
        // A pod that stops cannot tell a scale-down from a reschedule: nothing removes a member by itself.
        Assert.All(pod["containers"].Items, c => Assert.False(c.Has("lifecycle"), "a preStop hook would run on every reschedule too"));
        Assert.All(Directory.GetFiles(Path.Combine(Folder, "scripts")), script => Assert.DoesNotContain("member remove", File.ReadAllText(script), StringComparison.Ordinal));

        using var sandbox = new KubernetesScriptSandbox();
        string volume = sandbox.Folder("volume");
        File.WriteAllText(Path.Combine(volume, "node-id"), "paxos-6-0badcafe\n");
        var calls = await sandbox.RunUntilAsync("member.sh", sidecarEnv, "paxos-6", volume, calls => calls.Count(c => c.StartsWith("member promote", StringComparison.Ordinal)) == 2);
        Assert.Equal(
        [
            "member add paxos-6-0badcafe http://paxos-6.paxos-peers:8080 --endpoints http://paxos:8080",
            "member promote paxos-6-0badcafe --endpoints http://paxos:8080", // refused once: not caught up yet
            "member promote paxos-6-0badcafe --endpoints http://paxos:8080",
        ], calls);

        Assert.Empty(await sandbox.RunUntilAsync("member.sh", sidecarEnv, "paxos-1", volume, _ => false, TimeSpan.FromSeconds(2)));
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
        Assert.Equal(cluster.Nodes[0].Port.ToString(CultureInfo.InvariantCulture), peers["ports"].Items.Single()["port"].Text);
    }

    [Fact]
    public void The_disruption_budget_keeps_a_quorum_at_every_size_the_set_is_scaled_to()
    {
        var resources = Resources();
        var budget = resources["PodDisruptionBudget/paxos"]["spec"];
        // One node down at a time leaves a majority of any cluster of 3 or more; a fixed minAvailable would not, once scaled up.
        Assert.False(budget.Has("minAvailable"));
        Assert.Equal("1", budget["maxUnavailable"].Text);
        AssertSelects(budget["selector"]["matchLabels"], resources["StatefulSet/paxos"]["spec"]["template"]["metadata"]["labels"]);
    }

    private static int Port(Y container, string name) =>
        int.Parse(container["ports"].Items.Single(p => p["name"].Text == name)["containerPort"].Text, CultureInfo.InvariantCulture);

    private static Y Container(Y pod, string name) => pod["containers"].Items.Single(c => c["name"].Text == name);

    /// <summary>The container's environment variables with a value (POD_NAME, from the pod's name, as "$(POD_NAME)").</summary>
    private static Dictionary<string, string> Env(Y container) => container["env"].Items.ToDictionary(e => e["name"].Text, e => e.Has("value")
        ? e["value"].Text
        : e["valueFrom"]["fieldRef"]["fieldPath"].Text == "metadata.name" ? "$(POD_NAME)" : throw new InvalidDataException($"{e["name"].Text}: an unexpected source"));

    /// <summary>Where <paramref name="container"/> mounts the volume of config map <paramref name="configMap"/>.</summary>
    private static string Mount(Y pod, Y container, string configMap)
    {
        string volume = pod["volumes"].Items.Single(v => v.Has("configMap") && v["configMap"]["name"].Text == configMap)["name"].Text;
        return container["volumeMounts"].Items.Single(m => m["name"].Text == volume)["mountPath"].Text;
    }

    private static string DataMount(Y spec, Y container)
    {
        string volume = spec["volumeClaimTemplates"].Items.Single()["metadata"]["name"].Text;
        return container["volumeMounts"].Items.Single(m => m["name"].Text == volume)["mountPath"].Text;
    }

    /// <summary>The default a script gives <paramref name="variable"/> (<c>NAME=${NAME:-DEFAULT}</c>).</summary>
    private static string ScriptDefault(string script, string variable)
    {
        string prefix = $"{variable}=${{{variable}:-";
        string line = File.ReadAllLines(Path.Combine(Folder, "scripts", script)).Single(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line[prefix.Length..^1];
    }

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
