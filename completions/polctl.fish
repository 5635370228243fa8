# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_polctl_global_optspecs
    string join \n color= v/verbose q/quiet no-progress h/help V/version
end

function __fish_polctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_polctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_polctl_using_subcommand
    set -l cmd (__fish_polctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c polctl -n "__fish_polctl_needs_command" -l color -d 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c polctl -n "__fish_polctl_needs_command" -s v -l verbose -d 'More detail on stderr (each skipped file)'
complete -c polctl -n "__fish_polctl_needs_command" -s q -l quiet -d 'No warnings or progress; twice: no output at all, only the exit code'
complete -c polctl -n "__fish_polctl_needs_command" -l no-progress -d 'Never draw a progress bar'
complete -c polctl -n "__fish_polctl_needs_command" -s h -l help -d 'Print help'
complete -c polctl -n "__fish_polctl_needs_command" -s V -l version -d 'Print version'
complete -c polctl -n "__fish_polctl_needs_command" -f -a "simulate" -d 'Simulate a flow through every policy and print the rule trace'
complete -c polctl -n "__fish_polctl_needs_command" -f -a "graph" -d 'Compute the reachability graph of everything loaded and render it'
complete -c polctl -n "__fish_polctl_needs_command" -f -a "diff" -d 'Compare the reachability of two sets of manifests: connections gained and lost per workload pair'
complete -c polctl -n "__fish_polctl_needs_command" -f -a "node" -d 'Enforce the policies on this node with eBPF: attach, status, detach'
complete -c polctl -n "__fish_polctl_needs_command" -f -a "test" -d 'Run policy tests: flows with the verdicts they must get, and reachability assertions'
complete -c polctl -n "__fish_polctl_needs_command" -f -a "replay" -d 'Replay observed flows against the policies: what would applying them break'
complete -c polctl -n "__fish_polctl_needs_command" -f -a "lint" -d 'Find what loads but misleads: shadowed rules and policies, empty selectors, CNI quirks'
complete -c polctl -n "__fish_polctl_needs_command" -f -a "apply" -d 'Verify policies, then push them to the cluster with server-side apply'
complete -c polctl -n "__fish_polctl_needs_command" -f -a "describe" -d 'Show an endpoint (labels with their origin, addresses, ports, selecting policies) or a policy (its tier and position, what it selects, its rules\' peers)'
complete -c polctl -n "__fish_polctl_needs_command" -f -a "get" -d 'List endpoints, workloads, policies, tiers, namespaces or services'
complete -c polctl -n "__fish_polctl_needs_command" -f -a "snapshot" -d 'Write the live cluster\'s namespaces, pods and their controllers, services, service accounts, nodes and policies as one manifest'
complete -c polctl -n "__fish_polctl_needs_command" -f -a "completion" -d 'Print a shell completion script'
complete -c polctl -n "__fish_polctl_needs_command" -f -a "version" -d 'Print the polctl version, its build, and the API versions it models'
complete -c polctl -n "__fish_polctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l from -d 'Source of the flow (see References below)' -r
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l to -d 'Destination of the flow (see References below)' -r
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l port -d 'Destination port: a number, or a named port of the destination (or of the Service)' -r
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l proto -d 'Protocol: TCP (default), UDP, SCTP, ICMP, ICMPv6 or a number' -r
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l src-port -d 'Source port, for rules that match on it' -r
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l icmp-type -d 'ICMP type (default 8, echo request; 128 for ICMPv6)' -r
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l icmp-code -d 'ICMP code (default 0)' -r
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l method -d 'HTTP method of the request' -r
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l path -d 'HTTP path of the request' -r
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l host -d 'HTTP host (authority) of the request' -r
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l header -d 'HTTP header of the request (repeatable)' -r
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l l7 -d 'Other application-protocol attribute, e.g. query_table=users (repeatable)' -r
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l auth -d 'Whether Cilium mutual authentication between the ends succeeds' -r -f -a "ok\t''
fail\t''"
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l flows -d 'A YAML list of flows to simulate, one result row each' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -s o -l output -d 'Output format [default: a trace; with --flows a table, which wide widens]' -r -f -a "wide\t''
yaml\t''
json\t''"
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -s n -l namespace -d 'Namespace that bare names (`NAME` instead of `NAMESPACE/NAME`) are in [default: default]' -r
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -s f -l filename -d 'Manifest file, directory, or `-` for stdin (repeatable)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l kubeconfig -d 'The kubeconfig file [default: the files in KUBECONFIG, else ~/.kube/config, else the pod\'s service account]' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l context -d 'The kubeconfig context [default: its current context]' -r
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l cni -d 'Network plugin whose semantics apply [default: detected from the loaded kinds]' -r -f -a "k8s\t''
calico\t''
cilium\t''"
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l calico-version -d 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching' -r
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l cilium-version -d 'Cilium release (1.15-1.20): how an egress named port resolves' -r
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l dns -d 'A DNS answer Cilium\'s proxy saw, for toFQDNs rules (repeatable)' -r
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l dns-file -d 'DNS answers in /etc/hosts form (`IP NAME...` per line)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l color -d 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l exit-code -d 'Exit with status 1 when a flow is denied'
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -s R -l recursive -d 'Read directories given with -f recursively'
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l from-cluster -d 'Read the live cluster; files given with -f are layered over it (a file\'s object replaces the live one of the same name, as kubectl apply would)'
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l no-app-layer -d 'No application layer: HTTP rules act as plain L3/L4 rules'
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -s v -l verbose -d 'More detail on stderr (each skipped file)'
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -s q -l quiet -d 'No warnings or progress; twice: no output at all, only the exit code'
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -l no-progress -d 'Never draw a progress bar'
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -s h -l help -d 'Print help'
complete -c polctl -n "__fish_polctl_using_subcommand simulate" -s V -l version -d 'Print version'
complete -c polctl -n "__fish_polctl_using_subcommand graph" -l from -d 'Only edges from these workloads (see references below)' -r
complete -c polctl -n "__fish_polctl_using_subcommand graph" -l to -d 'Only edges to these workloads' -r
complete -c polctl -n "__fish_polctl_using_subcommand graph" -l port -d 'Only edges that allow this destination port (`5432`, `53/UDP`)' -r
complete -c polctl -n "__fish_polctl_using_subcommand graph" -l focus -d 'Only this workload and the edges to and from it' -r
complete -c polctl -n "__fish_polctl_using_subcommand graph" -s n -l namespace -d 'Only workloads of this namespace (and the edges between them); bare names are in it' -r
complete -c polctl -n "__fish_polctl_using_subcommand graph" -s o -l output -d 'Output format [default: table]' -r -f -a "table\t''
wide\t''
yaml\t''
json\t''
name\t''
dot\t''
mermaid\t''
svg\t''
html\t''"
complete -c polctl -n "__fish_polctl_using_subcommand graph" -l group-by -d 'What a node stands for: `namespace`, `workload` or `label=KEY` (one node per value) [default: workload; over 10,000 edges in a table or 2,000 in a diagram: namespace]' -r
complete -c polctl -n "__fish_polctl_using_subcommand graph" -l ip-family -d 'Show one address family: pods are taken at their addresses of that family, and pods without one are left out [default: each pod at its first IPv4 address, else its IPv6 one]' -r -f -a "ipv4\t''
ipv6\t''"
complete -c polctl -n "__fish_polctl_using_subcommand graph" -s f -l filename -d 'Manifest file, directory, or `-` for stdin (repeatable)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand graph" -l kubeconfig -d 'The kubeconfig file [default: the files in KUBECONFIG, else ~/.kube/config, else the pod\'s service account]' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand graph" -l context -d 'The kubeconfig context [default: its current context]' -r
complete -c polctl -n "__fish_polctl_using_subcommand graph" -l cni -d 'Network plugin whose semantics apply [default: detected from the loaded kinds]' -r -f -a "k8s\t''
calico\t''
cilium\t''"
complete -c polctl -n "__fish_polctl_using_subcommand graph" -l calico-version -d 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching' -r
complete -c polctl -n "__fish_polctl_using_subcommand graph" -l cilium-version -d 'Cilium release (1.15-1.20): how an egress named port resolves' -r
complete -c polctl -n "__fish_polctl_using_subcommand graph" -l dns -d 'A DNS answer Cilium\'s proxy saw, for toFQDNs rules (repeatable)' -r
complete -c polctl -n "__fish_polctl_using_subcommand graph" -l dns-file -d 'DNS answers in /etc/hosts form (`IP NAME...` per line)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand graph" -l color -d 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c polctl -n "__fish_polctl_using_subcommand graph" -l exclude-external -d 'Leave out external address ranges'
complete -c polctl -n "__fish_polctl_using_subcommand graph" -s R -l recursive -d 'Read directories given with -f recursively'
complete -c polctl -n "__fish_polctl_using_subcommand graph" -l from-cluster -d 'Read the live cluster; files given with -f are layered over it (a file\'s object replaces the live one of the same name, as kubectl apply would)'
complete -c polctl -n "__fish_polctl_using_subcommand graph" -l no-app-layer -d 'No application layer: HTTP rules act as plain L3/L4 rules'
complete -c polctl -n "__fish_polctl_using_subcommand graph" -s v -l verbose -d 'More detail on stderr (each skipped file)'
complete -c polctl -n "__fish_polctl_using_subcommand graph" -s q -l quiet -d 'No warnings or progress; twice: no output at all, only the exit code'
complete -c polctl -n "__fish_polctl_using_subcommand graph" -l no-progress -d 'Never draw a progress bar'
complete -c polctl -n "__fish_polctl_using_subcommand graph" -s h -l help -d 'Print help'
complete -c polctl -n "__fish_polctl_using_subcommand graph" -s V -l version -d 'Print version'
complete -c polctl -n "__fish_polctl_using_subcommand diff" -l old -d 'A manifest file or directory of the old side (repeatable)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand diff" -l new -d 'A manifest file or directory of the new side (repeatable)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand diff" -l from -d 'Only edges from these workloads (see references below)' -r
complete -c polctl -n "__fish_polctl_using_subcommand diff" -l to -d 'Only edges to these workloads' -r
complete -c polctl -n "__fish_polctl_using_subcommand diff" -l port -d 'Only edges that allow this destination port (`5432`, `53/UDP`)' -r
complete -c polctl -n "__fish_polctl_using_subcommand diff" -l focus -d 'Only this workload and the edges to and from it' -r
complete -c polctl -n "__fish_polctl_using_subcommand diff" -s n -l namespace -d 'Only workloads of this namespace (and the edges between them); bare names are in it' -r
complete -c polctl -n "__fish_polctl_using_subcommand diff" -s o -l output -d 'Output format [default: table]' -r -f -a "table\t''
wide\t''
json\t''
dot\t''
svg\t''
html\t''"
complete -c polctl -n "__fish_polctl_using_subcommand diff" -l ip-family -d 'Show one address family: pods are taken at their addresses of that family, and pods without one are left out [default: each pod at its first IPv4 address, else its IPv6 one]' -r -f -a "ipv4\t''
ipv6\t''"
complete -c polctl -n "__fish_polctl_using_subcommand diff" -l cni -d 'Network plugin whose semantics apply [default: detected from the loaded kinds]' -r -f -a "k8s\t''
calico\t''
cilium\t''"
complete -c polctl -n "__fish_polctl_using_subcommand diff" -l calico-version -d 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching' -r
complete -c polctl -n "__fish_polctl_using_subcommand diff" -l cilium-version -d 'Cilium release (1.15-1.20): how an egress named port resolves' -r
complete -c polctl -n "__fish_polctl_using_subcommand diff" -l dns -d 'A DNS answer Cilium\'s proxy saw, for toFQDNs rules (repeatable)' -r
complete -c polctl -n "__fish_polctl_using_subcommand diff" -l dns-file -d 'DNS answers in /etc/hosts form (`IP NAME...` per line)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand diff" -s f -l filename -d 'With --cluster: the manifests layered over the live cluster on the new side (repeatable)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand diff" -l kubeconfig -d 'The kubeconfig file [default: the files in KUBECONFIG, else ~/.kube/config, else the pod\'s service account]' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand diff" -l context -d 'The kubeconfig context [default: its current context]' -r
complete -c polctl -n "__fish_polctl_using_subcommand diff" -l color -d 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c polctl -n "__fish_polctl_using_subcommand diff" -s R -l recursive -d 'Read directories recursively'
complete -c polctl -n "__fish_polctl_using_subcommand diff" -l exit-code -d 'Exit with 1 when anything changed, 0 when nothing did (as `git diff --exit-code`)'
complete -c polctl -n "__fish_polctl_using_subcommand diff" -l exclude-external -d 'Leave out external address ranges'
complete -c polctl -n "__fish_polctl_using_subcommand diff" -l no-app-layer -d 'No application layer: HTTP rules act as plain L3/L4 rules'
complete -c polctl -n "__fish_polctl_using_subcommand diff" -l cluster -d 'Compare the live cluster with the live cluster plus the manifests of -f'
complete -c polctl -n "__fish_polctl_using_subcommand diff" -l from-cluster -d 'Read the live cluster; files given with -f are layered over it (a file\'s object replaces the live one of the same name, as kubectl apply would)'
complete -c polctl -n "__fish_polctl_using_subcommand diff" -s v -l verbose -d 'More detail on stderr (each skipped file)'
complete -c polctl -n "__fish_polctl_using_subcommand diff" -s q -l quiet -d 'No warnings or progress; twice: no output at all, only the exit code'
complete -c polctl -n "__fish_polctl_using_subcommand diff" -l no-progress -d 'Never draw a progress bar'
complete -c polctl -n "__fish_polctl_using_subcommand diff" -s h -l help -d 'Print help'
complete -c polctl -n "__fish_polctl_using_subcommand diff" -s V -l version -d 'Print version'
complete -c polctl -n "__fish_polctl_using_subcommand node; and not __fish_seen_subcommand_from attach status detach help" -l color -d 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c polctl -n "__fish_polctl_using_subcommand node; and not __fish_seen_subcommand_from attach status detach help" -s v -l verbose -d 'More detail on stderr (each skipped file)'
complete -c polctl -n "__fish_polctl_using_subcommand node; and not __fish_seen_subcommand_from attach status detach help" -s q -l quiet -d 'No warnings or progress; twice: no output at all, only the exit code'
complete -c polctl -n "__fish_polctl_using_subcommand node; and not __fish_seen_subcommand_from attach status detach help" -l no-progress -d 'Never draw a progress bar'
complete -c polctl -n "__fish_polctl_using_subcommand node; and not __fish_seen_subcommand_from attach status detach help" -s h -l help -d 'Print help'
complete -c polctl -n "__fish_polctl_using_subcommand node; and not __fish_seen_subcommand_from attach status detach help" -s V -l version -d 'Print version'
complete -c polctl -n "__fish_polctl_using_subcommand node; and not __fish_seen_subcommand_from attach status detach help" -f -a "attach" -d 'Compile the verdicts of this node\'s endpoints into maps and attach the classifier'
complete -c polctl -n "__fish_polctl_using_subcommand node; and not __fish_seen_subcommand_from attach status detach help" -f -a "status" -d 'Show the attached interfaces, map sizes, verdict counters and what is not enforced'
complete -c polctl -n "__fish_polctl_using_subcommand node; and not __fish_seen_subcommand_from attach status detach help" -f -a "detach" -d 'Detach the classifier from every interface and remove its programs, maps and pins'
complete -c polctl -n "__fish_polctl_using_subcommand node; and not __fish_seen_subcommand_from attach status detach help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from attach" -l iface -d 'HOSTIF:NAMESPACE/POD: the host side of a local pod\'s interface (repeatable)' -r
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from attach" -l node -d 'With --auto: the node\'s name that pods\' spec.nodeName must match [default: this host\'s name, where pods carry one]' -r
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from attach" -l unenforceable -d 'What the kernel does with connections only an L7 proxy or mutual authentication would admit' -r -f -a "drop\t'Drop them in the kernel'
refuse\t'Refuse to attach while there are any'"
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from attach" -s o -l output -d 'Output format of --dry-run [default: table]' -r -f -a "table\t''
json\t''"
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from attach" -l pin-dir -d 'Directory on a bpffs where programs, maps and links are pinned' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from attach" -s f -l filename -d 'Manifest file, directory, or `-` for stdin (repeatable)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from attach" -l cni -d 'Network plugin whose semantics apply [default: detected from the loaded kinds]' -r -f -a "k8s\t''
calico\t''
cilium\t''"
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from attach" -l calico-version -d 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching' -r
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from attach" -l cilium-version -d 'Cilium release (1.15-1.20): how an egress named port resolves' -r
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from attach" -l dns -d 'A DNS answer Cilium\'s proxy saw, for toFQDNs rules (repeatable)' -r
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from attach" -l dns-file -d 'DNS answers in /etc/hosts form (`IP NAME...` per line)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from attach" -l color -d 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from attach" -l auto -d 'Find the local pods and their interfaces from this node\'s routes'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from attach" -l dry-run -d 'Print the maps that would be written and stop (no privileges needed)'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from attach" -s R -l recursive -d 'Read directories given with -f recursively'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from attach" -l no-app-layer -d 'No application layer: HTTP rules act as plain L3/L4 rules'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from attach" -s v -l verbose -d 'More detail on stderr (each skipped file)'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from attach" -s q -l quiet -d 'No warnings or progress; twice: no output at all, only the exit code'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from attach" -l no-progress -d 'Never draw a progress bar'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from attach" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from attach" -s V -l version -d 'Print version'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format [default: table]' -r -f -a "table\t''
json\t''"
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from status" -l pin-dir -d 'Directory on a bpffs where programs, maps and links are pinned' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from status" -l color -d 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More detail on stderr (each skipped file)'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from status" -s q -l quiet -d 'No warnings or progress; twice: no output at all, only the exit code'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from status" -l no-progress -d 'Never draw a progress bar'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from detach" -l pin-dir -d 'Directory on a bpffs where programs, maps and links are pinned' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from detach" -l color -d 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from detach" -s v -l verbose -d 'More detail on stderr (each skipped file)'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from detach" -s q -l quiet -d 'No warnings or progress; twice: no output at all, only the exit code'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from detach" -l no-progress -d 'Never draw a progress bar'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from detach" -s h -l help -d 'Print help'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from detach" -s V -l version -d 'Print version'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from help" -f -a "attach" -d 'Compile the verdicts of this node\'s endpoints into maps and attach the classifier'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show the attached interfaces, map sizes, verdict counters and what is not enforced'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from help" -f -a "detach" -d 'Detach the classifier from every interface and remove its programs, maps and pins'
complete -c polctl -n "__fish_polctl_using_subcommand node; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c polctl -n "__fish_polctl_using_subcommand test" -l tests -d 'A test file besides those found next to the policies (repeatable)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand test" -l junit -d 'Also write the results as JUnit XML to FILE, for CI (one testsuite per test file)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand test" -s o -l output -d 'Output format [default: table]' -r -f -a "table\t''
json\t''"
complete -c polctl -n "__fish_polctl_using_subcommand test" -s n -l namespace -d 'Namespace that bare names (`NAME` instead of `NAMESPACE/NAME`) are in [default: default]' -r
complete -c polctl -n "__fish_polctl_using_subcommand test" -s f -l filename -d 'Manifest file, directory, or `-` for stdin (repeatable)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand test" -l kubeconfig -d 'The kubeconfig file [default: the files in KUBECONFIG, else ~/.kube/config, else the pod\'s service account]' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand test" -l context -d 'The kubeconfig context [default: its current context]' -r
complete -c polctl -n "__fish_polctl_using_subcommand test" -l cni -d 'Network plugin whose semantics apply [default: detected from the loaded kinds]' -r -f -a "k8s\t''
calico\t''
cilium\t''"
complete -c polctl -n "__fish_polctl_using_subcommand test" -l calico-version -d 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching' -r
complete -c polctl -n "__fish_polctl_using_subcommand test" -l cilium-version -d 'Cilium release (1.15-1.20): how an egress named port resolves' -r
complete -c polctl -n "__fish_polctl_using_subcommand test" -l dns -d 'A DNS answer Cilium\'s proxy saw, for toFQDNs rules (repeatable)' -r
complete -c polctl -n "__fish_polctl_using_subcommand test" -l dns-file -d 'DNS answers in /etc/hosts form (`IP NAME...` per line)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand test" -l color -d 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c polctl -n "__fish_polctl_using_subcommand test" -s R -l recursive -d 'Read directories given with -f recursively'
complete -c polctl -n "__fish_polctl_using_subcommand test" -l from-cluster -d 'Read the live cluster; files given with -f are layered over it (a file\'s object replaces the live one of the same name, as kubectl apply would)'
complete -c polctl -n "__fish_polctl_using_subcommand test" -l no-app-layer -d 'No application layer: HTTP rules act as plain L3/L4 rules'
complete -c polctl -n "__fish_polctl_using_subcommand test" -s v -l verbose -d 'More detail on stderr (each skipped file)'
complete -c polctl -n "__fish_polctl_using_subcommand test" -s q -l quiet -d 'No warnings or progress; twice: no output at all, only the exit code'
complete -c polctl -n "__fish_polctl_using_subcommand test" -l no-progress -d 'Never draw a progress bar'
complete -c polctl -n "__fish_polctl_using_subcommand test" -s h -l help -d 'Print help'
complete -c polctl -n "__fish_polctl_using_subcommand test" -s V -l version -d 'Print version'
complete -c polctl -n "__fish_polctl_using_subcommand replay" -l format -d 'The records\' format [default: detected from each file\'s first record]' -r -f -a "hubble\t''
calico\t''
csv\t''"
complete -c polctl -n "__fish_polctl_using_subcommand replay" -s o -l output -d 'Output format [default: table]' -r -f -a "json\t''"
complete -c polctl -n "__fish_polctl_using_subcommand replay" -s f -l filename -d 'Manifest file, directory, or `-` for stdin (repeatable)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand replay" -l cni -d 'Network plugin whose semantics apply [default: detected from the loaded kinds]' -r -f -a "k8s\t''
calico\t''
cilium\t''"
complete -c polctl -n "__fish_polctl_using_subcommand replay" -l calico-version -d 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching' -r
complete -c polctl -n "__fish_polctl_using_subcommand replay" -l cilium-version -d 'Cilium release (1.15-1.20): how an egress named port resolves' -r
complete -c polctl -n "__fish_polctl_using_subcommand replay" -l dns -d 'A DNS answer Cilium\'s proxy saw, for toFQDNs rules (repeatable)' -r
complete -c polctl -n "__fish_polctl_using_subcommand replay" -l dns-file -d 'DNS answers in /etc/hosts form (`IP NAME...` per line)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand replay" -l color -d 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c polctl -n "__fish_polctl_using_subcommand replay" -l exit-code -d 'Exit 1 when any flow would be denied'
complete -c polctl -n "__fish_polctl_using_subcommand replay" -s R -l recursive -d 'Read directories given with -f recursively'
complete -c polctl -n "__fish_polctl_using_subcommand replay" -l no-app-layer -d 'No application layer: HTTP rules act as plain L3/L4 rules'
complete -c polctl -n "__fish_polctl_using_subcommand replay" -s v -l verbose -d 'More detail on stderr (each skipped file)'
complete -c polctl -n "__fish_polctl_using_subcommand replay" -s q -l quiet -d 'No warnings or progress; twice: no output at all, only the exit code'
complete -c polctl -n "__fish_polctl_using_subcommand replay" -l no-progress -d 'Never draw a progress bar'
complete -c polctl -n "__fish_polctl_using_subcommand replay" -s h -l help -d 'Print help'
complete -c polctl -n "__fish_polctl_using_subcommand replay" -s V -l version -d 'Print version'
complete -c polctl -n "__fish_polctl_using_subcommand lint" -s W -l warn -d 'Report LINT as a warning (repeatable; a later -W/-A/-D wins)' -r
complete -c polctl -n "__fish_polctl_using_subcommand lint" -s A -l allow -d 'Do not report LINT (repeatable)' -r
complete -c polctl -n "__fish_polctl_using_subcommand lint" -s D -l deny -d 'Report LINT as an error that fails the run (repeatable)' -r
complete -c polctl -n "__fish_polctl_using_subcommand lint" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Located diagnostics'
json\t''
sarif\t'SARIF 2.1.0, for code scanning'"
complete -c polctl -n "__fish_polctl_using_subcommand lint" -s f -l filename -d 'Manifest file, directory, or `-` for stdin (repeatable)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand lint" -l kubeconfig -d 'The kubeconfig file [default: the files in KUBECONFIG, else ~/.kube/config, else the pod\'s service account]' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand lint" -l context -d 'The kubeconfig context [default: its current context]' -r
complete -c polctl -n "__fish_polctl_using_subcommand lint" -l cni -d 'Network plugin whose semantics apply [default: detected from the loaded kinds]' -r -f -a "k8s\t''
calico\t''
cilium\t''"
complete -c polctl -n "__fish_polctl_using_subcommand lint" -l calico-version -d 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching' -r
complete -c polctl -n "__fish_polctl_using_subcommand lint" -l cilium-version -d 'Cilium release (1.15-1.20): how an egress named port resolves' -r
complete -c polctl -n "__fish_polctl_using_subcommand lint" -l dns -d 'A DNS answer Cilium\'s proxy saw, for toFQDNs rules (repeatable)' -r
complete -c polctl -n "__fish_polctl_using_subcommand lint" -l dns-file -d 'DNS answers in /etc/hosts form (`IP NAME...` per line)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand lint" -l color -d 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c polctl -n "__fish_polctl_using_subcommand lint" -l list -d 'List the lints with their codes and levels, and exit'
complete -c polctl -n "__fish_polctl_using_subcommand lint" -l deny-warnings -d 'Fail on lint warnings too, not only on lint errors (for CI)'
complete -c polctl -n "__fish_polctl_using_subcommand lint" -s R -l recursive -d 'Read directories given with -f recursively'
complete -c polctl -n "__fish_polctl_using_subcommand lint" -l from-cluster -d 'Read the live cluster; files given with -f are layered over it (a file\'s object replaces the live one of the same name, as kubectl apply would)'
complete -c polctl -n "__fish_polctl_using_subcommand lint" -l no-app-layer -d 'No application layer: HTTP rules act as plain L3/L4 rules'
complete -c polctl -n "__fish_polctl_using_subcommand lint" -s v -l verbose -d 'More detail on stderr (each skipped file)'
complete -c polctl -n "__fish_polctl_using_subcommand lint" -s q -l quiet -d 'No warnings or progress; twice: no output at all, only the exit code'
complete -c polctl -n "__fish_polctl_using_subcommand lint" -l no-progress -d 'Never draw a progress bar'
complete -c polctl -n "__fish_polctl_using_subcommand lint" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c polctl -n "__fish_polctl_using_subcommand lint" -s V -l version -d 'Print version'
complete -c polctl -n "__fish_polctl_using_subcommand apply" -s f -l filename -d 'Manifest file, directory, or `-` for stdin (repeatable)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand apply" -l tests -d 'A policy test file besides those found next to the policies (repeatable)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand apply" -s W -l warn -d 'Report LINT as a warning (repeatable; a later -W/-A/-D wins)' -r
complete -c polctl -n "__fish_polctl_using_subcommand apply" -s A -l allow -d 'Do not report LINT (repeatable)' -r
complete -c polctl -n "__fish_polctl_using_subcommand apply" -s D -l deny -d 'Report LINT as an error that fails the run (repeatable)' -r
complete -c polctl -n "__fish_polctl_using_subcommand apply" -l dry-run -d 'none: apply; server: the API server checks everything and persists nothing; client: print what would be sent without contacting the cluster' -r -f -a "none\t''
server\t''
client\t''"
complete -c polctl -n "__fish_polctl_using_subcommand apply" -s l -l selector -d 'The label selector of --prune (kubectl syntax: `team=shop,env in (a,b)`)' -r
complete -c polctl -n "__fish_polctl_using_subcommand apply" -l cni -d 'Network plugin whose semantics apply [default: detected from the loaded kinds]' -r -f -a "k8s\t''
calico\t''
cilium\t''"
complete -c polctl -n "__fish_polctl_using_subcommand apply" -l calico-version -d 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching' -r
complete -c polctl -n "__fish_polctl_using_subcommand apply" -l cilium-version -d 'Cilium release (1.15-1.20): how an egress named port resolves' -r
complete -c polctl -n "__fish_polctl_using_subcommand apply" -l dns -d 'A DNS answer Cilium\'s proxy saw, for toFQDNs rules (repeatable)' -r
complete -c polctl -n "__fish_polctl_using_subcommand apply" -l dns-file -d 'DNS answers in /etc/hosts form (`IP NAME...` per line)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand apply" -l kubeconfig -d 'The kubeconfig file [default: the files in KUBECONFIG, else ~/.kube/config, else the pod\'s service account]' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand apply" -l context -d 'The kubeconfig context [default: its current context]' -r
complete -c polctl -n "__fish_polctl_using_subcommand apply" -l color -d 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c polctl -n "__fish_polctl_using_subcommand apply" -s R -l recursive -d 'Read directories given with -f recursively'
complete -c polctl -n "__fish_polctl_using_subcommand apply" -l deny-warnings -d 'Fail on lint warnings too, not only on lint errors (for CI)'
complete -c polctl -n "__fish_polctl_using_subcommand apply" -l skip-verify -d 'Send without running lint and the policy tests (says so on stderr)'
complete -c polctl -n "__fish_polctl_using_subcommand apply" -l force-conflicts -d 'Take over fields another field manager owns instead of failing with a conflict'
complete -c polctl -n "__fish_polctl_using_subcommand apply" -l diff -d 'Show each object\'s change (live against applied, from a server-side dry run)'
complete -c polctl -n "__fish_polctl_using_subcommand apply" -l prune -d 'Delete live policies that carry the labels of -l and are no longer in the input'
complete -c polctl -n "__fish_polctl_using_subcommand apply" -l yes -d 'Delete without asking (needed for --prune when stdin is not a terminal)'
complete -c polctl -n "__fish_polctl_using_subcommand apply" -l no-app-layer -d 'No application layer: HTTP rules act as plain L3/L4 rules'
complete -c polctl -n "__fish_polctl_using_subcommand apply" -s v -l verbose -d 'More detail on stderr (each skipped file)'
complete -c polctl -n "__fish_polctl_using_subcommand apply" -s q -l quiet -d 'No warnings or progress; twice: no output at all, only the exit code'
complete -c polctl -n "__fish_polctl_using_subcommand apply" -l no-progress -d 'Never draw a progress bar'
complete -c polctl -n "__fish_polctl_using_subcommand apply" -s h -l help -d 'Print help'
complete -c polctl -n "__fish_polctl_using_subcommand apply" -s V -l version -d 'Print version'
complete -c polctl -n "__fish_polctl_using_subcommand describe" -s o -l output -d 'Output format [default: text]' -r -f -a "yaml\t''
json\t''"
complete -c polctl -n "__fish_polctl_using_subcommand describe" -s n -l namespace -d 'Namespace that bare names (`NAME` instead of `NAMESPACE/NAME`) are in [default: default]' -r
complete -c polctl -n "__fish_polctl_using_subcommand describe" -s f -l filename -d 'Manifest file, directory, or `-` for stdin (repeatable)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand describe" -l kubeconfig -d 'The kubeconfig file [default: the files in KUBECONFIG, else ~/.kube/config, else the pod\'s service account]' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand describe" -l context -d 'The kubeconfig context [default: its current context]' -r
complete -c polctl -n "__fish_polctl_using_subcommand describe" -l cni -d 'Network plugin whose semantics apply [default: detected from the loaded kinds]' -r -f -a "k8s\t''
calico\t''
cilium\t''"
complete -c polctl -n "__fish_polctl_using_subcommand describe" -l calico-version -d 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching' -r
complete -c polctl -n "__fish_polctl_using_subcommand describe" -l cilium-version -d 'Cilium release (1.15-1.20): how an egress named port resolves' -r
complete -c polctl -n "__fish_polctl_using_subcommand describe" -l dns -d 'A DNS answer Cilium\'s proxy saw, for toFQDNs rules (repeatable)' -r
complete -c polctl -n "__fish_polctl_using_subcommand describe" -l dns-file -d 'DNS answers in /etc/hosts form (`IP NAME...` per line)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand describe" -l color -d 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c polctl -n "__fish_polctl_using_subcommand describe" -s R -l recursive -d 'Read directories given with -f recursively'
complete -c polctl -n "__fish_polctl_using_subcommand describe" -l from-cluster -d 'Read the live cluster; files given with -f are layered over it (a file\'s object replaces the live one of the same name, as kubectl apply would)'
complete -c polctl -n "__fish_polctl_using_subcommand describe" -l no-app-layer -d 'No application layer: HTTP rules act as plain L3/L4 rules'
complete -c polctl -n "__fish_polctl_using_subcommand describe" -s v -l verbose -d 'More detail on stderr (each skipped file)'
complete -c polctl -n "__fish_polctl_using_subcommand describe" -s q -l quiet -d 'No warnings or progress; twice: no output at all, only the exit code'
complete -c polctl -n "__fish_polctl_using_subcommand describe" -l no-progress -d 'Never draw a progress bar'
complete -c polctl -n "__fish_polctl_using_subcommand describe" -s h -l help -d 'Print help'
complete -c polctl -n "__fish_polctl_using_subcommand describe" -s V -l version -d 'Print version'
complete -c polctl -n "__fish_polctl_using_subcommand get" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
yaml\t''
json\t''
name\t''"
complete -c polctl -n "__fish_polctl_using_subcommand get" -s n -l namespace -d 'Namespace to list [default: default]' -r
complete -c polctl -n "__fish_polctl_using_subcommand get" -s l -l selector -d 'Label selector to filter on, kubectl syntax (`app=web,tier!=db,env in (a,b)`)' -r
complete -c polctl -n "__fish_polctl_using_subcommand get" -s f -l filename -d 'Manifest file, directory, or `-` for stdin (repeatable)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand get" -l kubeconfig -d 'The kubeconfig file [default: the files in KUBECONFIG, else ~/.kube/config, else the pod\'s service account]' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand get" -l context -d 'The kubeconfig context [default: its current context]' -r
complete -c polctl -n "__fish_polctl_using_subcommand get" -l color -d 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c polctl -n "__fish_polctl_using_subcommand get" -s A -l all-namespaces -d 'List every namespace'
complete -c polctl -n "__fish_polctl_using_subcommand get" -s R -l recursive -d 'Read directories given with -f recursively'
complete -c polctl -n "__fish_polctl_using_subcommand get" -l from-cluster -d 'Read the live cluster; files given with -f are layered over it (a file\'s object replaces the live one of the same name, as kubectl apply would)'
complete -c polctl -n "__fish_polctl_using_subcommand get" -s v -l verbose -d 'More detail on stderr (each skipped file)'
complete -c polctl -n "__fish_polctl_using_subcommand get" -s q -l quiet -d 'No warnings or progress; twice: no output at all, only the exit code'
complete -c polctl -n "__fish_polctl_using_subcommand get" -l no-progress -d 'Never draw a progress bar'
complete -c polctl -n "__fish_polctl_using_subcommand get" -s h -l help -d 'Print help'
complete -c polctl -n "__fish_polctl_using_subcommand get" -s V -l version -d 'Print version'
complete -c polctl -n "__fish_polctl_using_subcommand snapshot" -s o -l output -d 'Output format [default: yaml]' -r -f -a "yaml\t''
json\t''"
complete -c polctl -n "__fish_polctl_using_subcommand snapshot" -l chunk-size -d 'Items asked for per LIST request (kubectl\'s --chunk-size)' -r
complete -c polctl -n "__fish_polctl_using_subcommand snapshot" -l kubeconfig -d 'The kubeconfig file [default: the files in KUBECONFIG, else ~/.kube/config, else the pod\'s service account]' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand snapshot" -l context -d 'The kubeconfig context [default: its current context]' -r
complete -c polctl -n "__fish_polctl_using_subcommand snapshot" -l color -d 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c polctl -n "__fish_polctl_using_subcommand snapshot" -s v -l verbose -d 'More detail on stderr (each skipped file)'
complete -c polctl -n "__fish_polctl_using_subcommand snapshot" -s q -l quiet -d 'No warnings or progress; twice: no output at all, only the exit code'
complete -c polctl -n "__fish_polctl_using_subcommand snapshot" -l no-progress -d 'Never draw a progress bar'
complete -c polctl -n "__fish_polctl_using_subcommand snapshot" -s h -l help -d 'Print help'
complete -c polctl -n "__fish_polctl_using_subcommand snapshot" -s V -l version -d 'Print version'
complete -c polctl -n "__fish_polctl_using_subcommand completion" -l color -d 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c polctl -n "__fish_polctl_using_subcommand completion" -s v -l verbose -d 'More detail on stderr (each skipped file)'
complete -c polctl -n "__fish_polctl_using_subcommand completion" -s q -l quiet -d 'No warnings or progress; twice: no output at all, only the exit code'
complete -c polctl -n "__fish_polctl_using_subcommand completion" -l no-progress -d 'Never draw a progress bar'
complete -c polctl -n "__fish_polctl_using_subcommand completion" -s h -l help -d 'Print help'
complete -c polctl -n "__fish_polctl_using_subcommand completion" -s V -l version -d 'Print version'
complete -c polctl -n "__fish_polctl_using_subcommand version" -s o -l output -d 'Output format [default: text]' -r -f -a "yaml\t''
json\t''"
complete -c polctl -n "__fish_polctl_using_subcommand version" -l color -d 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c polctl -n "__fish_polctl_using_subcommand version" -s v -l verbose -d 'More detail on stderr (each skipped file)'
complete -c polctl -n "__fish_polctl_using_subcommand version" -s q -l quiet -d 'No warnings or progress; twice: no output at all, only the exit code'
complete -c polctl -n "__fish_polctl_using_subcommand version" -l no-progress -d 'Never draw a progress bar'
complete -c polctl -n "__fish_polctl_using_subcommand version" -s h -l help -d 'Print help'
complete -c polctl -n "__fish_polctl_using_subcommand version" -s V -l version -d 'Print version'
complete -c polctl -n "__fish_polctl_using_subcommand help; and not __fish_seen_subcommand_from simulate graph diff node test replay lint apply describe get snapshot completion version help" -f -a "simulate" -d 'Simulate a flow through every policy and print the rule trace'
complete -c polctl -n "__fish_polctl_using_subcommand help; and not __fish_seen_subcommand_from simulate graph diff node test replay lint apply describe get snapshot completion version help" -f -a "graph" -d 'Compute the reachability graph of everything loaded and render it'
complete -c polctl -n "__fish_polctl_using_subcommand help; and not __fish_seen_subcommand_from simulate graph diff node test replay lint apply describe get snapshot completion version help" -f -a "diff" -d 'Compare the reachability of two sets of manifests: connections gained and lost per workload pair'
complete -c polctl -n "__fish_polctl_using_subcommand help; and not __fish_seen_subcommand_from simulate graph diff node test replay lint apply describe get snapshot completion version help" -f -a "node" -d 'Enforce the policies on this node with eBPF: attach, status, detach'
complete -c polctl -n "__fish_polctl_using_subcommand help; and not __fish_seen_subcommand_from simulate graph diff node test replay lint apply describe get snapshot completion version help" -f -a "test" -d 'Run policy tests: flows with the verdicts they must get, and reachability assertions'
complete -c polctl -n "__fish_polctl_using_subcommand help; and not __fish_seen_subcommand_from simulate graph diff node test replay lint apply describe get snapshot completion version help" -f -a "replay" -d 'Replay observed flows against the policies: what would applying them break'
complete -c polctl -n "__fish_polctl_using_subcommand help; and not __fish_seen_subcommand_from simulate graph diff node test replay lint apply describe get snapshot completion version help" -f -a "lint" -d 'Find what loads but misleads: shadowed rules and policies, empty selectors, CNI quirks'
complete -c polctl -n "__fish_polctl_using_subcommand help; and not __fish_seen_subcommand_from simulate graph diff node test replay lint apply describe get snapshot completion version help" -f -a "apply" -d 'Verify policies, then push them to the cluster with server-side apply'
complete -c polctl -n "__fish_polctl_using_subcommand help; and not __fish_seen_subcommand_from simulate graph diff node test replay lint apply describe get snapshot completion version help" -f -a "describe" -d 'Show an endpoint (labels with their origin, addresses, ports, selecting policies) or a policy (its tier and position, what it selects, its rules\' peers)'
complete -c polctl -n "__fish_polctl_using_subcommand help; and not __fish_seen_subcommand_from simulate graph diff node test replay lint apply describe get snapshot completion version help" -f -a "get" -d 'List endpoints, workloads, policies, tiers, namespaces or services'
complete -c polctl -n "__fish_polctl_using_subcommand help; and not __fish_seen_subcommand_from simulate graph diff node test replay lint apply describe get snapshot completion version help" -f -a "snapshot" -d 'Write the live cluster\'s namespaces, pods and their controllers, services, service accounts, nodes and policies as one manifest'
complete -c polctl -n "__fish_polctl_using_subcommand help; and not __fish_seen_subcommand_from simulate graph diff node test replay lint apply describe get snapshot completion version help" -f -a "completion" -d 'Print a shell completion script'
complete -c polctl -n "__fish_polctl_using_subcommand help; and not __fish_seen_subcommand_from simulate graph diff node test replay lint apply describe get snapshot completion version help" -f -a "version" -d 'Print the polctl version, its build, and the API versions it models'
complete -c polctl -n "__fish_polctl_using_subcommand help; and not __fish_seen_subcommand_from simulate graph diff node test replay lint apply describe get snapshot completion version help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c polctl -n "__fish_polctl_using_subcommand help; and __fish_seen_subcommand_from node" -f -a "attach" -d 'Compile the verdicts of this node\'s endpoints into maps and attach the classifier'
complete -c polctl -n "__fish_polctl_using_subcommand help; and __fish_seen_subcommand_from node" -f -a "status" -d 'Show the attached interfaces, map sizes, verdict counters and what is not enforced'
complete -c polctl -n "__fish_polctl_using_subcommand help; and __fish_seen_subcommand_from node" -f -a "detach" -d 'Detach the classifier from every interface and remove its programs, maps and pins'
