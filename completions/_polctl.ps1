
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'polctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'polctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'polctl' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('simulate', 'simulate', [CompletionResultType]::ParameterValue, 'Simulate a flow through every policy and print the rule trace')
            [CompletionResult]::new('graph', 'graph', [CompletionResultType]::ParameterValue, 'Compute the reachability graph of everything loaded and render it')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Compare the reachability of two sets of manifests: connections gained and lost per workload pair')
            [CompletionResult]::new('node', 'node', [CompletionResultType]::ParameterValue, 'Enforce the policies on this node with eBPF: attach, status, detach')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run policy tests: flows with the verdicts they must get, and reachability assertions')
            [CompletionResult]::new('replay', 'replay', [CompletionResultType]::ParameterValue, 'Replay observed flows against the policies: what would applying them break')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Find what loads but misleads: shadowed rules and policies, empty selectors, CNI quirks')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Verify policies, then push them to the cluster with server-side apply')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Show an endpoint (labels with their origin, addresses, ports, selecting policies) or a policy (its tier and position, what it selects, its rules'' peers)')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'List endpoints, workloads, policies, tiers, namespaces or services')
            [CompletionResult]::new('snapshot', 'snapshot', [CompletionResultType]::ParameterValue, 'Write the live cluster''s namespaces, pods and their controllers, services, service accounts, nodes and policies as one manifest')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print the polctl version, its build, and the API versions it models')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'polctl;simulate' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Source of the flow (see References below)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Destination of the flow (see References below)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Destination port: a number, or a named port of the destination (or of the Service)')
            [CompletionResult]::new('--proto', '--proto', [CompletionResultType]::ParameterName, 'Protocol: TCP (default), UDP, SCTP, ICMP, ICMPv6 or a number')
            [CompletionResult]::new('--src-port', '--src-port', [CompletionResultType]::ParameterName, 'Source port, for rules that match on it')
            [CompletionResult]::new('--icmp-type', '--icmp-type', [CompletionResultType]::ParameterName, 'ICMP type (default 8, echo request; 128 for ICMPv6)')
            [CompletionResult]::new('--icmp-code', '--icmp-code', [CompletionResultType]::ParameterName, 'ICMP code (default 0)')
            [CompletionResult]::new('--method', '--method', [CompletionResultType]::ParameterName, 'HTTP method of the request')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'HTTP path of the request')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'HTTP host (authority) of the request')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'HTTP header of the request (repeatable)')
            [CompletionResult]::new('--l7', '--l7', [CompletionResultType]::ParameterName, 'Other application-protocol attribute, e.g. query_table=users (repeatable)')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'Whether Cilium mutual authentication between the ends succeeds')
            [CompletionResult]::new('--flows', '--flows', [CompletionResultType]::ParameterName, 'A YAML list of flows to simulate, one result row each')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: a trace; with --flows a table, which wide widens]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: a trace; with --flows a table, which wide widens]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace that bare names (`NAME` instead of `NAMESPACE/NAME`) are in [default: default]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace that bare names (`NAME` instead of `NAMESPACE/NAME`) are in [default: default]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file, directory, or `-` for stdin (repeatable)')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file, directory, or `-` for stdin (repeatable)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file [default: the files in KUBECONFIG, else ~/.kube/config, else the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context [default: its current context]')
            [CompletionResult]::new('--cni', '--cni', [CompletionResultType]::ParameterName, 'Network plugin whose semantics apply [default: detected from the loaded kinds]')
            [CompletionResult]::new('--calico-version', '--calico-version', [CompletionResultType]::ParameterName, 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching')
            [CompletionResult]::new('--cilium-version', '--cilium-version', [CompletionResultType]::ParameterName, 'Cilium release (1.15-1.20): how an egress named port resolves')
            [CompletionResult]::new('--dns', '--dns', [CompletionResultType]::ParameterName, 'A DNS answer Cilium''s proxy saw, for toFQDNs rules (repeatable)')
            [CompletionResult]::new('--dns-file', '--dns-file', [CompletionResultType]::ParameterName, 'DNS answers in /etc/hosts form (`IP NAME...` per line)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never')
            [CompletionResult]::new('--exit-code', '--exit-code', [CompletionResultType]::ParameterName, 'Exit with status 1 when a flow is denied')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Read directories given with -f recursively')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Read directories given with -f recursively')
            [CompletionResult]::new('--from-cluster', '--from-cluster', [CompletionResultType]::ParameterName, 'Read the live cluster; files given with -f are layered over it (a file''s object replaces the live one of the same name, as kubectl apply would)')
            [CompletionResult]::new('--no-app-layer', '--no-app-layer', [CompletionResultType]::ParameterName, 'No application layer: HTTP rules act as plain L3/L4 rules')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'polctl;graph' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Only edges from these workloads (see references below)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Only edges to these workloads')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Only edges that allow this destination port (`5432`, `53/UDP`)')
            [CompletionResult]::new('--focus', '--focus', [CompletionResultType]::ParameterName, 'Only this workload and the edges to and from it')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Only workloads of this namespace (and the edges between them); bare names are in it')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Only workloads of this namespace (and the edges between them); bare names are in it')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--group-by', '--group-by', [CompletionResultType]::ParameterName, 'What a node stands for: `namespace`, `workload` or `label=KEY` (one node per value) [default: workload; over 10,000 edges in a table or 2,000 in a diagram: namespace]')
            [CompletionResult]::new('--ip-family', '--ip-family', [CompletionResultType]::ParameterName, 'Show one address family: pods are taken at their addresses of that family, and pods without one are left out [default: each pod at its first IPv4 address, else its IPv6 one]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file, directory, or `-` for stdin (repeatable)')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file, directory, or `-` for stdin (repeatable)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file [default: the files in KUBECONFIG, else ~/.kube/config, else the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context [default: its current context]')
            [CompletionResult]::new('--cni', '--cni', [CompletionResultType]::ParameterName, 'Network plugin whose semantics apply [default: detected from the loaded kinds]')
            [CompletionResult]::new('--calico-version', '--calico-version', [CompletionResultType]::ParameterName, 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching')
            [CompletionResult]::new('--cilium-version', '--cilium-version', [CompletionResultType]::ParameterName, 'Cilium release (1.15-1.20): how an egress named port resolves')
            [CompletionResult]::new('--dns', '--dns', [CompletionResultType]::ParameterName, 'A DNS answer Cilium''s proxy saw, for toFQDNs rules (repeatable)')
            [CompletionResult]::new('--dns-file', '--dns-file', [CompletionResultType]::ParameterName, 'DNS answers in /etc/hosts form (`IP NAME...` per line)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never')
            [CompletionResult]::new('--exclude-external', '--exclude-external', [CompletionResultType]::ParameterName, 'Leave out external address ranges')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Read directories given with -f recursively')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Read directories given with -f recursively')
            [CompletionResult]::new('--from-cluster', '--from-cluster', [CompletionResultType]::ParameterName, 'Read the live cluster; files given with -f are layered over it (a file''s object replaces the live one of the same name, as kubectl apply would)')
            [CompletionResult]::new('--no-app-layer', '--no-app-layer', [CompletionResultType]::ParameterName, 'No application layer: HTTP rules act as plain L3/L4 rules')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'polctl;diff' {
            [CompletionResult]::new('--old', '--old', [CompletionResultType]::ParameterName, 'A manifest file or directory of the old side (repeatable)')
            [CompletionResult]::new('--new', '--new', [CompletionResultType]::ParameterName, 'A manifest file or directory of the new side (repeatable)')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Only edges from these workloads (see references below)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Only edges to these workloads')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Only edges that allow this destination port (`5432`, `53/UDP`)')
            [CompletionResult]::new('--focus', '--focus', [CompletionResultType]::ParameterName, 'Only this workload and the edges to and from it')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Only workloads of this namespace (and the edges between them); bare names are in it')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Only workloads of this namespace (and the edges between them); bare names are in it')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--ip-family', '--ip-family', [CompletionResultType]::ParameterName, 'Show one address family: pods are taken at their addresses of that family, and pods without one are left out [default: each pod at its first IPv4 address, else its IPv6 one]')
            [CompletionResult]::new('--cni', '--cni', [CompletionResultType]::ParameterName, 'Network plugin whose semantics apply [default: detected from the loaded kinds]')
            [CompletionResult]::new('--calico-version', '--calico-version', [CompletionResultType]::ParameterName, 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching')
            [CompletionResult]::new('--cilium-version', '--cilium-version', [CompletionResultType]::ParameterName, 'Cilium release (1.15-1.20): how an egress named port resolves')
            [CompletionResult]::new('--dns', '--dns', [CompletionResultType]::ParameterName, 'A DNS answer Cilium''s proxy saw, for toFQDNs rules (repeatable)')
            [CompletionResult]::new('--dns-file', '--dns-file', [CompletionResultType]::ParameterName, 'DNS answers in /etc/hosts form (`IP NAME...` per line)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'With --cluster: the manifests layered over the live cluster on the new side (repeatable)')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'With --cluster: the manifests layered over the live cluster on the new side (repeatable)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file [default: the files in KUBECONFIG, else ~/.kube/config, else the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context [default: its current context]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Read directories recursively')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Read directories recursively')
            [CompletionResult]::new('--exit-code', '--exit-code', [CompletionResultType]::ParameterName, 'Exit with 1 when anything changed, 0 when nothing did (as `git diff --exit-code`)')
            [CompletionResult]::new('--exclude-external', '--exclude-external', [CompletionResultType]::ParameterName, 'Leave out external address ranges')
            [CompletionResult]::new('--no-app-layer', '--no-app-layer', [CompletionResultType]::ParameterName, 'No application layer: HTTP rules act as plain L3/L4 rules')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Compare the live cluster with the live cluster plus the manifests of -f')
            [CompletionResult]::new('--from-cluster', '--from-cluster', [CompletionResultType]::ParameterName, 'Read the live cluster; files given with -f are layered over it (a file''s object replaces the live one of the same name, as kubectl apply would)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'polctl;node' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('attach', 'attach', [CompletionResultType]::ParameterValue, 'Compile the verdicts of this node''s endpoints into maps and attach the classifier')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the attached interfaces, map sizes, verdict counters and what is not enforced')
            [CompletionResult]::new('detach', 'detach', [CompletionResultType]::ParameterValue, 'Detach the classifier from every interface and remove its programs, maps and pins')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'polctl;node;attach' {
            [CompletionResult]::new('--iface', '--iface', [CompletionResultType]::ParameterName, 'HOSTIF:NAMESPACE/POD: the host side of a local pod''s interface (repeatable)')
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'With --auto: the node''s name that pods'' spec.nodeName must match [default: this host''s name, where pods carry one]')
            [CompletionResult]::new('--unenforceable', '--unenforceable', [CompletionResultType]::ParameterName, 'What the kernel does with connections only an L7 proxy or mutual authentication would admit')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of --dry-run [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of --dry-run [default: table]')
            [CompletionResult]::new('--pin-dir', '--pin-dir', [CompletionResultType]::ParameterName, 'Directory on a bpffs where programs, maps and links are pinned')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file, directory, or `-` for stdin (repeatable)')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file, directory, or `-` for stdin (repeatable)')
            [CompletionResult]::new('--cni', '--cni', [CompletionResultType]::ParameterName, 'Network plugin whose semantics apply [default: detected from the loaded kinds]')
            [CompletionResult]::new('--calico-version', '--calico-version', [CompletionResultType]::ParameterName, 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching')
            [CompletionResult]::new('--cilium-version', '--cilium-version', [CompletionResultType]::ParameterName, 'Cilium release (1.15-1.20): how an egress named port resolves')
            [CompletionResult]::new('--dns', '--dns', [CompletionResultType]::ParameterName, 'A DNS answer Cilium''s proxy saw, for toFQDNs rules (repeatable)')
            [CompletionResult]::new('--dns-file', '--dns-file', [CompletionResultType]::ParameterName, 'DNS answers in /etc/hosts form (`IP NAME...` per line)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never')
            [CompletionResult]::new('--auto', '--auto', [CompletionResultType]::ParameterName, 'Find the local pods and their interfaces from this node''s routes')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the maps that would be written and stop (no privileges needed)')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Read directories given with -f recursively')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Read directories given with -f recursively')
            [CompletionResult]::new('--no-app-layer', '--no-app-layer', [CompletionResultType]::ParameterName, 'No application layer: HTTP rules act as plain L3/L4 rules')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'polctl;node;status' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--pin-dir', '--pin-dir', [CompletionResultType]::ParameterName, 'Directory on a bpffs where programs, maps and links are pinned')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'polctl;node;detach' {
            [CompletionResult]::new('--pin-dir', '--pin-dir', [CompletionResultType]::ParameterName, 'Directory on a bpffs where programs, maps and links are pinned')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'polctl;node;help' {
            [CompletionResult]::new('attach', 'attach', [CompletionResultType]::ParameterValue, 'Compile the verdicts of this node''s endpoints into maps and attach the classifier')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the attached interfaces, map sizes, verdict counters and what is not enforced')
            [CompletionResult]::new('detach', 'detach', [CompletionResultType]::ParameterValue, 'Detach the classifier from every interface and remove its programs, maps and pins')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'polctl;node;help;attach' {
            break
        }
        'polctl;node;help;status' {
            break
        }
        'polctl;node;help;detach' {
            break
        }
        'polctl;node;help;help' {
            break
        }
        'polctl;test' {
            [CompletionResult]::new('--tests', '--tests', [CompletionResultType]::ParameterName, 'A test file besides those found next to the policies (repeatable)')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Also write the results as JUnit XML to FILE, for CI (one testsuite per test file)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace that bare names (`NAME` instead of `NAMESPACE/NAME`) are in [default: default]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace that bare names (`NAME` instead of `NAMESPACE/NAME`) are in [default: default]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file, directory, or `-` for stdin (repeatable)')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file, directory, or `-` for stdin (repeatable)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file [default: the files in KUBECONFIG, else ~/.kube/config, else the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context [default: its current context]')
            [CompletionResult]::new('--cni', '--cni', [CompletionResultType]::ParameterName, 'Network plugin whose semantics apply [default: detected from the loaded kinds]')
            [CompletionResult]::new('--calico-version', '--calico-version', [CompletionResultType]::ParameterName, 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching')
            [CompletionResult]::new('--cilium-version', '--cilium-version', [CompletionResultType]::ParameterName, 'Cilium release (1.15-1.20): how an egress named port resolves')
            [CompletionResult]::new('--dns', '--dns', [CompletionResultType]::ParameterName, 'A DNS answer Cilium''s proxy saw, for toFQDNs rules (repeatable)')
            [CompletionResult]::new('--dns-file', '--dns-file', [CompletionResultType]::ParameterName, 'DNS answers in /etc/hosts form (`IP NAME...` per line)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Read directories given with -f recursively')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Read directories given with -f recursively')
            [CompletionResult]::new('--from-cluster', '--from-cluster', [CompletionResultType]::ParameterName, 'Read the live cluster; files given with -f are layered over it (a file''s object replaces the live one of the same name, as kubectl apply would)')
            [CompletionResult]::new('--no-app-layer', '--no-app-layer', [CompletionResultType]::ParameterName, 'No application layer: HTTP rules act as plain L3/L4 rules')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'polctl;replay' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The records'' format [default: detected from each file''s first record]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file, directory, or `-` for stdin (repeatable)')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file, directory, or `-` for stdin (repeatable)')
            [CompletionResult]::new('--cni', '--cni', [CompletionResultType]::ParameterName, 'Network plugin whose semantics apply [default: detected from the loaded kinds]')
            [CompletionResult]::new('--calico-version', '--calico-version', [CompletionResultType]::ParameterName, 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching')
            [CompletionResult]::new('--cilium-version', '--cilium-version', [CompletionResultType]::ParameterName, 'Cilium release (1.15-1.20): how an egress named port resolves')
            [CompletionResult]::new('--dns', '--dns', [CompletionResultType]::ParameterName, 'A DNS answer Cilium''s proxy saw, for toFQDNs rules (repeatable)')
            [CompletionResult]::new('--dns-file', '--dns-file', [CompletionResultType]::ParameterName, 'DNS answers in /etc/hosts form (`IP NAME...` per line)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never')
            [CompletionResult]::new('--exit-code', '--exit-code', [CompletionResultType]::ParameterName, 'Exit 1 when any flow would be denied')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Read directories given with -f recursively')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Read directories given with -f recursively')
            [CompletionResult]::new('--no-app-layer', '--no-app-layer', [CompletionResultType]::ParameterName, 'No application layer: HTTP rules act as plain L3/L4 rules')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'polctl;lint' {
            [CompletionResult]::new('-W', '-W ', [CompletionResultType]::ParameterName, 'Report LINT as a warning (repeatable; a later -W/-A/-D wins)')
            [CompletionResult]::new('--warn', '--warn', [CompletionResultType]::ParameterName, 'Report LINT as a warning (repeatable; a later -W/-A/-D wins)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Do not report LINT (repeatable)')
            [CompletionResult]::new('--allow', '--allow', [CompletionResultType]::ParameterName, 'Do not report LINT (repeatable)')
            [CompletionResult]::new('-D', '-D ', [CompletionResultType]::ParameterName, 'Report LINT as an error that fails the run (repeatable)')
            [CompletionResult]::new('--deny', '--deny', [CompletionResultType]::ParameterName, 'Report LINT as an error that fails the run (repeatable)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file, directory, or `-` for stdin (repeatable)')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file, directory, or `-` for stdin (repeatable)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file [default: the files in KUBECONFIG, else ~/.kube/config, else the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context [default: its current context]')
            [CompletionResult]::new('--cni', '--cni', [CompletionResultType]::ParameterName, 'Network plugin whose semantics apply [default: detected from the loaded kinds]')
            [CompletionResult]::new('--calico-version', '--calico-version', [CompletionResultType]::ParameterName, 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching')
            [CompletionResult]::new('--cilium-version', '--cilium-version', [CompletionResultType]::ParameterName, 'Cilium release (1.15-1.20): how an egress named port resolves')
            [CompletionResult]::new('--dns', '--dns', [CompletionResultType]::ParameterName, 'A DNS answer Cilium''s proxy saw, for toFQDNs rules (repeatable)')
            [CompletionResult]::new('--dns-file', '--dns-file', [CompletionResultType]::ParameterName, 'DNS answers in /etc/hosts form (`IP NAME...` per line)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'List the lints with their codes and levels, and exit')
            [CompletionResult]::new('--deny-warnings', '--deny-warnings', [CompletionResultType]::ParameterName, 'Fail on lint warnings too, not only on lint errors (for CI)')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Read directories given with -f recursively')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Read directories given with -f recursively')
            [CompletionResult]::new('--from-cluster', '--from-cluster', [CompletionResultType]::ParameterName, 'Read the live cluster; files given with -f are layered over it (a file''s object replaces the live one of the same name, as kubectl apply would)')
            [CompletionResult]::new('--no-app-layer', '--no-app-layer', [CompletionResultType]::ParameterName, 'No application layer: HTTP rules act as plain L3/L4 rules')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'polctl;apply' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file, directory, or `-` for stdin (repeatable)')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file, directory, or `-` for stdin (repeatable)')
            [CompletionResult]::new('--tests', '--tests', [CompletionResultType]::ParameterName, 'A policy test file besides those found next to the policies (repeatable)')
            [CompletionResult]::new('-W', '-W ', [CompletionResultType]::ParameterName, 'Report LINT as a warning (repeatable; a later -W/-A/-D wins)')
            [CompletionResult]::new('--warn', '--warn', [CompletionResultType]::ParameterName, 'Report LINT as a warning (repeatable; a later -W/-A/-D wins)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Do not report LINT (repeatable)')
            [CompletionResult]::new('--allow', '--allow', [CompletionResultType]::ParameterName, 'Do not report LINT (repeatable)')
            [CompletionResult]::new('-D', '-D ', [CompletionResultType]::ParameterName, 'Report LINT as an error that fails the run (repeatable)')
            [CompletionResult]::new('--deny', '--deny', [CompletionResultType]::ParameterName, 'Report LINT as an error that fails the run (repeatable)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'none: apply; server: the API server checks everything and persists nothing; client: print what would be sent without contacting the cluster')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'The label selector of --prune (kubectl syntax: `team=shop,env in (a,b)`)')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'The label selector of --prune (kubectl syntax: `team=shop,env in (a,b)`)')
            [CompletionResult]::new('--cni', '--cni', [CompletionResultType]::ParameterName, 'Network plugin whose semantics apply [default: detected from the loaded kinds]')
            [CompletionResult]::new('--calico-version', '--calico-version', [CompletionResultType]::ParameterName, 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching')
            [CompletionResult]::new('--cilium-version', '--cilium-version', [CompletionResultType]::ParameterName, 'Cilium release (1.15-1.20): how an egress named port resolves')
            [CompletionResult]::new('--dns', '--dns', [CompletionResultType]::ParameterName, 'A DNS answer Cilium''s proxy saw, for toFQDNs rules (repeatable)')
            [CompletionResult]::new('--dns-file', '--dns-file', [CompletionResultType]::ParameterName, 'DNS answers in /etc/hosts form (`IP NAME...` per line)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file [default: the files in KUBECONFIG, else ~/.kube/config, else the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context [default: its current context]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Read directories given with -f recursively')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Read directories given with -f recursively')
            [CompletionResult]::new('--deny-warnings', '--deny-warnings', [CompletionResultType]::ParameterName, 'Fail on lint warnings too, not only on lint errors (for CI)')
            [CompletionResult]::new('--skip-verify', '--skip-verify', [CompletionResultType]::ParameterName, 'Send without running lint and the policy tests (says so on stderr)')
            [CompletionResult]::new('--force-conflicts', '--force-conflicts', [CompletionResultType]::ParameterName, 'Take over fields another field manager owns instead of failing with a conflict')
            [CompletionResult]::new('--diff', '--diff', [CompletionResultType]::ParameterName, 'Show each object''s change (live against applied, from a server-side dry run)')
            [CompletionResult]::new('--prune', '--prune', [CompletionResultType]::ParameterName, 'Delete live policies that carry the labels of -l and are no longer in the input')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Delete without asking (needed for --prune when stdin is not a terminal)')
            [CompletionResult]::new('--no-app-layer', '--no-app-layer', [CompletionResultType]::ParameterName, 'No application layer: HTTP rules act as plain L3/L4 rules')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'polctl;describe' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace that bare names (`NAME` instead of `NAMESPACE/NAME`) are in [default: default]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace that bare names (`NAME` instead of `NAMESPACE/NAME`) are in [default: default]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file, directory, or `-` for stdin (repeatable)')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file, directory, or `-` for stdin (repeatable)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file [default: the files in KUBECONFIG, else ~/.kube/config, else the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context [default: its current context]')
            [CompletionResult]::new('--cni', '--cni', [CompletionResultType]::ParameterName, 'Network plugin whose semantics apply [default: detected from the loaded kinds]')
            [CompletionResult]::new('--calico-version', '--calico-version', [CompletionResultType]::ParameterName, 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching')
            [CompletionResult]::new('--cilium-version', '--cilium-version', [CompletionResultType]::ParameterName, 'Cilium release (1.15-1.20): how an egress named port resolves')
            [CompletionResult]::new('--dns', '--dns', [CompletionResultType]::ParameterName, 'A DNS answer Cilium''s proxy saw, for toFQDNs rules (repeatable)')
            [CompletionResult]::new('--dns-file', '--dns-file', [CompletionResultType]::ParameterName, 'DNS answers in /etc/hosts form (`IP NAME...` per line)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Read directories given with -f recursively')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Read directories given with -f recursively')
            [CompletionResult]::new('--from-cluster', '--from-cluster', [CompletionResultType]::ParameterName, 'Read the live cluster; files given with -f are layered over it (a file''s object replaces the live one of the same name, as kubectl apply would)')
            [CompletionResult]::new('--no-app-layer', '--no-app-layer', [CompletionResultType]::ParameterName, 'No application layer: HTTP rules act as plain L3/L4 rules')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'polctl;get' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to list [default: default]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to list [default: default]')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector to filter on, kubectl syntax (`app=web,tier!=db,env in (a,b)`)')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector to filter on, kubectl syntax (`app=web,tier!=db,env in (a,b)`)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file, directory, or `-` for stdin (repeatable)')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file, directory, or `-` for stdin (repeatable)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file [default: the files in KUBECONFIG, else ~/.kube/config, else the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context [default: its current context]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'List every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'List every namespace')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Read directories given with -f recursively')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Read directories given with -f recursively')
            [CompletionResult]::new('--from-cluster', '--from-cluster', [CompletionResultType]::ParameterName, 'Read the live cluster; files given with -f are layered over it (a file''s object replaces the live one of the same name, as kubectl apply would)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'polctl;snapshot' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: yaml]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: yaml]')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Items asked for per LIST request (kubectl''s --chunk-size)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file [default: the files in KUBECONFIG, else ~/.kube/config, else the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context [default: its current context]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'polctl;completion' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'polctl;version' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (each skipped file)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No warnings or progress; twice: no output at all, only the exit code')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'polctl;help' {
            [CompletionResult]::new('simulate', 'simulate', [CompletionResultType]::ParameterValue, 'Simulate a flow through every policy and print the rule trace')
            [CompletionResult]::new('graph', 'graph', [CompletionResultType]::ParameterValue, 'Compute the reachability graph of everything loaded and render it')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Compare the reachability of two sets of manifests: connections gained and lost per workload pair')
            [CompletionResult]::new('node', 'node', [CompletionResultType]::ParameterValue, 'Enforce the policies on this node with eBPF: attach, status, detach')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run policy tests: flows with the verdicts they must get, and reachability assertions')
            [CompletionResult]::new('replay', 'replay', [CompletionResultType]::ParameterValue, 'Replay observed flows against the policies: what would applying them break')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Find what loads but misleads: shadowed rules and policies, empty selectors, CNI quirks')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Verify policies, then push them to the cluster with server-side apply')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Show an endpoint (labels with their origin, addresses, ports, selecting policies) or a policy (its tier and position, what it selects, its rules'' peers)')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'List endpoints, workloads, policies, tiers, namespaces or services')
            [CompletionResult]::new('snapshot', 'snapshot', [CompletionResultType]::ParameterValue, 'Write the live cluster''s namespaces, pods and their controllers, services, service accounts, nodes and policies as one manifest')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print the polctl version, its build, and the API versions it models')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'polctl;help;simulate' {
            break
        }
        'polctl;help;graph' {
            break
        }
        'polctl;help;diff' {
            break
        }
        'polctl;help;node' {
            [CompletionResult]::new('attach', 'attach', [CompletionResultType]::ParameterValue, 'Compile the verdicts of this node''s endpoints into maps and attach the classifier')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the attached interfaces, map sizes, verdict counters and what is not enforced')
            [CompletionResult]::new('detach', 'detach', [CompletionResultType]::ParameterValue, 'Detach the classifier from every interface and remove its programs, maps and pins')
            break
        }
        'polctl;help;node;attach' {
            break
        }
        'polctl;help;node;status' {
            break
        }
        'polctl;help;node;detach' {
            break
        }
        'polctl;help;test' {
            break
        }
        'polctl;help;replay' {
            break
        }
        'polctl;help;lint' {
            break
        }
        'polctl;help;apply' {
            break
        }
        'polctl;help;describe' {
            break
        }
        'polctl;help;get' {
            break
        }
        'polctl;help;snapshot' {
            break
        }
        'polctl;help;completion' {
            break
        }
        'polctl;help;version' {
            break
        }
        'polctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
