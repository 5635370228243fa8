
use builtin;
use str;

set edit:completion:arg-completer[polctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'polctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'polctl'= {
            cand --color 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never'
            cand -v 'More detail on stderr (each skipped file)'
            cand --verbose 'More detail on stderr (each skipped file)'
            cand -q 'No warnings or progress; twice: no output at all, only the exit code'
            cand --quiet 'No warnings or progress; twice: no output at all, only the exit code'
            cand --no-progress 'Never draw a progress bar'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand simulate 'Simulate a flow through every policy and print the rule trace'
            cand graph 'Compute the reachability graph of everything loaded and render it'
            cand diff 'Compare the reachability of two sets of manifests: connections gained and lost per workload pair'
            cand node 'Enforce the policies on this node with eBPF: attach, status, detach'
            cand test 'Run policy tests: flows with the verdicts they must get, and reachability assertions'
            cand replay 'Replay observed flows against the policies: what would applying them break'
            cand lint 'Find what loads but misleads: shadowed rules and policies, empty selectors, CNI quirks'
            cand describe 'Show an endpoint (labels with their origin, addresses, ports, selecting policies) or a policy (its tier and position, what it selects, its rules'' peers)'
            cand get 'List endpoints, workloads, policies, tiers, namespaces or services'
            cand completion 'Print a shell completion script'
            cand version 'Print the polctl version, its build, and the API versions it models'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'polctl;simulate'= {
            cand --from 'Source of the flow (see References below)'
            cand --to 'Destination of the flow (see References below)'
            cand --port 'Destination port: a number, or a named port of the destination (or of the Service)'
            cand --proto 'Protocol: TCP (default), UDP, SCTP, ICMP, ICMPv6 or a number'
            cand --src-port 'Source port, for rules that match on it'
            cand --icmp-type 'ICMP type (default 8, echo request; 128 for ICMPv6)'
            cand --icmp-code 'ICMP code (default 0)'
            cand --method 'HTTP method of the request'
            cand --path 'HTTP path of the request'
            cand --host 'HTTP host (authority) of the request'
            cand --header 'HTTP header of the request (repeatable)'
            cand --l7 'Other application-protocol attribute, e.g. query_table=users (repeatable)'
            cand --auth 'Whether Cilium mutual authentication between the ends succeeds'
            cand --flows 'A YAML list of flows to simulate, one result row each'
            cand -o 'Output format [default: a trace; with --flows a table, which wide widens]'
            cand --output 'Output format [default: a trace; with --flows a table, which wide widens]'
            cand -n 'Namespace that bare names (`NAME` instead of `NAMESPACE/NAME`) are in [default: default]'
            cand --namespace 'Namespace that bare names (`NAME` instead of `NAMESPACE/NAME`) are in [default: default]'
            cand -f 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand --filename 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand --cni 'Network plugin whose semantics apply [default: detected from the loaded kinds]'
            cand --calico-version 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching'
            cand --cilium-version 'Cilium release (1.15-1.20): how an egress named port resolves'
            cand --dns 'A DNS answer Cilium''s proxy saw, for toFQDNs rules (repeatable)'
            cand --dns-file 'DNS answers in /etc/hosts form (`IP NAME...` per line)'
            cand --color 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never'
            cand --exit-code 'Exit with status 1 when a flow is denied'
            cand -R 'Read directories given with -f recursively'
            cand --recursive 'Read directories given with -f recursively'
            cand --no-app-layer 'No application layer: HTTP rules act as plain L3/L4 rules'
            cand -v 'More detail on stderr (each skipped file)'
            cand --verbose 'More detail on stderr (each skipped file)'
            cand -q 'No warnings or progress; twice: no output at all, only the exit code'
            cand --quiet 'No warnings or progress; twice: no output at all, only the exit code'
            cand --no-progress 'Never draw a progress bar'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'polctl;graph'= {
            cand --from 'Only edges from these workloads (see references below)'
            cand --to 'Only edges to these workloads'
            cand --port 'Only edges that allow this destination port (`5432`, `53/UDP`)'
            cand --focus 'Only this workload and the edges to and from it'
            cand -n 'Only workloads of this namespace (and the edges between them); bare names are in it'
            cand --namespace 'Only workloads of this namespace (and the edges between them); bare names are in it'
            cand -o 'Output format [default: table]'
            cand --output 'Output format [default: table]'
            cand --group-by 'What a node stands for: `namespace`, `workload` or `label=KEY` (one node per value) [default: workload; over 10,000 edges in a table or 2,000 in a diagram: namespace]'
            cand -f 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand --filename 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand --cni 'Network plugin whose semantics apply [default: detected from the loaded kinds]'
            cand --calico-version 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching'
            cand --cilium-version 'Cilium release (1.15-1.20): how an egress named port resolves'
            cand --dns 'A DNS answer Cilium''s proxy saw, for toFQDNs rules (repeatable)'
            cand --dns-file 'DNS answers in /etc/hosts form (`IP NAME...` per line)'
            cand --color 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never'
            cand --exclude-external 'Leave out external address ranges'
            cand -R 'Read directories given with -f recursively'
            cand --recursive 'Read directories given with -f recursively'
            cand --no-app-layer 'No application layer: HTTP rules act as plain L3/L4 rules'
            cand -v 'More detail on stderr (each skipped file)'
            cand --verbose 'More detail on stderr (each skipped file)'
            cand -q 'No warnings or progress; twice: no output at all, only the exit code'
            cand --quiet 'No warnings or progress; twice: no output at all, only the exit code'
            cand --no-progress 'Never draw a progress bar'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'polctl;diff'= {
            cand --old 'A manifest file or directory of the old side (repeatable)'
            cand --new 'A manifest file or directory of the new side (repeatable)'
            cand --from 'Only edges from these workloads (see references below)'
            cand --to 'Only edges to these workloads'
            cand --port 'Only edges that allow this destination port (`5432`, `53/UDP`)'
            cand --focus 'Only this workload and the edges to and from it'
            cand -n 'Only workloads of this namespace (and the edges between them); bare names are in it'
            cand --namespace 'Only workloads of this namespace (and the edges between them); bare names are in it'
            cand -o 'Output format [default: table]'
            cand --output 'Output format [default: table]'
            cand --cni 'Network plugin whose semantics apply [default: detected from the loaded kinds]'
            cand --calico-version 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching'
            cand --cilium-version 'Cilium release (1.15-1.20): how an egress named port resolves'
            cand --dns 'A DNS answer Cilium''s proxy saw, for toFQDNs rules (repeatable)'
            cand --dns-file 'DNS answers in /etc/hosts form (`IP NAME...` per line)'
            cand --color 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never'
            cand -R 'Read directories recursively'
            cand --recursive 'Read directories recursively'
            cand --exit-code 'Exit with 1 when anything changed, 0 when nothing did (as `git diff --exit-code`)'
            cand --exclude-external 'Leave out external address ranges'
            cand --no-app-layer 'No application layer: HTTP rules act as plain L3/L4 rules'
            cand -v 'More detail on stderr (each skipped file)'
            cand --verbose 'More detail on stderr (each skipped file)'
            cand -q 'No warnings or progress; twice: no output at all, only the exit code'
            cand --quiet 'No warnings or progress; twice: no output at all, only the exit code'
            cand --no-progress 'Never draw a progress bar'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'polctl;node'= {
            cand --color 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never'
            cand -v 'More detail on stderr (each skipped file)'
            cand --verbose 'More detail on stderr (each skipped file)'
            cand -q 'No warnings or progress; twice: no output at all, only the exit code'
            cand --quiet 'No warnings or progress; twice: no output at all, only the exit code'
            cand --no-progress 'Never draw a progress bar'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand attach 'Compile the verdicts of this node''s endpoints into maps and attach the classifier'
            cand status 'Show the attached interfaces, map sizes, verdict counters and what is not enforced'
            cand detach 'Detach the classifier from every interface and remove its programs, maps and pins'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'polctl;node;attach'= {
            cand --iface 'HOSTIF:NAMESPACE/POD: the host side of a local pod''s interface (repeatable)'
            cand --unenforceable 'What the kernel does with connections only an L7 proxy or mutual authentication would admit'
            cand -o 'Output format of --dry-run [default: table]'
            cand --output 'Output format of --dry-run [default: table]'
            cand --pin-dir 'Directory on a bpffs where programs, maps and links are pinned'
            cand -f 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand --filename 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand --cni 'Network plugin whose semantics apply [default: detected from the loaded kinds]'
            cand --calico-version 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching'
            cand --cilium-version 'Cilium release (1.15-1.20): how an egress named port resolves'
            cand --dns 'A DNS answer Cilium''s proxy saw, for toFQDNs rules (repeatable)'
            cand --dns-file 'DNS answers in /etc/hosts form (`IP NAME...` per line)'
            cand --color 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never'
            cand --dry-run 'Print the maps that would be written and stop (no privileges needed)'
            cand -R 'Read directories given with -f recursively'
            cand --recursive 'Read directories given with -f recursively'
            cand --no-app-layer 'No application layer: HTTP rules act as plain L3/L4 rules'
            cand -v 'More detail on stderr (each skipped file)'
            cand --verbose 'More detail on stderr (each skipped file)'
            cand -q 'No warnings or progress; twice: no output at all, only the exit code'
            cand --quiet 'No warnings or progress; twice: no output at all, only the exit code'
            cand --no-progress 'Never draw a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'polctl;node;status'= {
            cand -o 'Output format [default: table]'
            cand --output 'Output format [default: table]'
            cand --pin-dir 'Directory on a bpffs where programs, maps and links are pinned'
            cand --color 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never'
            cand -v 'More detail on stderr (each skipped file)'
            cand --verbose 'More detail on stderr (each skipped file)'
            cand -q 'No warnings or progress; twice: no output at all, only the exit code'
            cand --quiet 'No warnings or progress; twice: no output at all, only the exit code'
            cand --no-progress 'Never draw a progress bar'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'polctl;node;detach'= {
            cand --pin-dir 'Directory on a bpffs where programs, maps and links are pinned'
            cand --color 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never'
            cand -v 'More detail on stderr (each skipped file)'
            cand --verbose 'More detail on stderr (each skipped file)'
            cand -q 'No warnings or progress; twice: no output at all, only the exit code'
            cand --quiet 'No warnings or progress; twice: no output at all, only the exit code'
            cand --no-progress 'Never draw a progress bar'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'polctl;node;help'= {
            cand attach 'Compile the verdicts of this node''s endpoints into maps and attach the classifier'
            cand status 'Show the attached interfaces, map sizes, verdict counters and what is not enforced'
            cand detach 'Detach the classifier from every interface and remove its programs, maps and pins'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'polctl;node;help;attach'= {
        }
        &'polctl;node;help;status'= {
        }
        &'polctl;node;help;detach'= {
        }
        &'polctl;node;help;help'= {
        }
        &'polctl;test'= {
            cand --tests 'A test file besides those found next to the policies (repeatable)'
            cand --junit 'Also write the results as JUnit XML to FILE, for CI (one testsuite per test file)'
            cand -o 'Output format [default: table]'
            cand --output 'Output format [default: table]'
            cand -n 'Namespace that bare names (`NAME` instead of `NAMESPACE/NAME`) are in [default: default]'
            cand --namespace 'Namespace that bare names (`NAME` instead of `NAMESPACE/NAME`) are in [default: default]'
            cand -f 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand --filename 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand --cni 'Network plugin whose semantics apply [default: detected from the loaded kinds]'
            cand --calico-version 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching'
            cand --cilium-version 'Cilium release (1.15-1.20): how an egress named port resolves'
            cand --dns 'A DNS answer Cilium''s proxy saw, for toFQDNs rules (repeatable)'
            cand --dns-file 'DNS answers in /etc/hosts form (`IP NAME...` per line)'
            cand --color 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never'
            cand -R 'Read directories given with -f recursively'
            cand --recursive 'Read directories given with -f recursively'
            cand --no-app-layer 'No application layer: HTTP rules act as plain L3/L4 rules'
            cand -v 'More detail on stderr (each skipped file)'
            cand --verbose 'More detail on stderr (each skipped file)'
            cand -q 'No warnings or progress; twice: no output at all, only the exit code'
            cand --quiet 'No warnings or progress; twice: no output at all, only the exit code'
            cand --no-progress 'Never draw a progress bar'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'polctl;replay'= {
            cand --format 'The records'' format [default: detected from each file''s first record]'
            cand -o 'Output format [default: table]'
            cand --output 'Output format [default: table]'
            cand -f 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand --filename 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand --cni 'Network plugin whose semantics apply [default: detected from the loaded kinds]'
            cand --calico-version 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching'
            cand --cilium-version 'Cilium release (1.15-1.20): how an egress named port resolves'
            cand --dns 'A DNS answer Cilium''s proxy saw, for toFQDNs rules (repeatable)'
            cand --dns-file 'DNS answers in /etc/hosts form (`IP NAME...` per line)'
            cand --color 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never'
            cand --exit-code 'Exit 1 when any flow would be denied'
            cand -R 'Read directories given with -f recursively'
            cand --recursive 'Read directories given with -f recursively'
            cand --no-app-layer 'No application layer: HTTP rules act as plain L3/L4 rules'
            cand -v 'More detail on stderr (each skipped file)'
            cand --verbose 'More detail on stderr (each skipped file)'
            cand -q 'No warnings or progress; twice: no output at all, only the exit code'
            cand --quiet 'No warnings or progress; twice: no output at all, only the exit code'
            cand --no-progress 'Never draw a progress bar'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'polctl;lint'= {
            cand -W 'Report LINT as a warning (repeatable; a later -W/-A/-D wins)'
            cand --warn 'Report LINT as a warning (repeatable; a later -W/-A/-D wins)'
            cand -A 'Do not report LINT (repeatable)'
            cand --allow 'Do not report LINT (repeatable)'
            cand -D 'Report LINT as an error that fails the run (repeatable)'
            cand --deny 'Report LINT as an error that fails the run (repeatable)'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand -f 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand --filename 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand --cni 'Network plugin whose semantics apply [default: detected from the loaded kinds]'
            cand --calico-version 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching'
            cand --cilium-version 'Cilium release (1.15-1.20): how an egress named port resolves'
            cand --dns 'A DNS answer Cilium''s proxy saw, for toFQDNs rules (repeatable)'
            cand --dns-file 'DNS answers in /etc/hosts form (`IP NAME...` per line)'
            cand --color 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never'
            cand --list 'List the lints with their codes and levels, and exit'
            cand --deny-warnings 'Fail (exit 1) on warnings too, for CI'
            cand -R 'Read directories given with -f recursively'
            cand --recursive 'Read directories given with -f recursively'
            cand --no-app-layer 'No application layer: HTTP rules act as plain L3/L4 rules'
            cand -v 'More detail on stderr (each skipped file)'
            cand --verbose 'More detail on stderr (each skipped file)'
            cand -q 'No warnings or progress; twice: no output at all, only the exit code'
            cand --quiet 'No warnings or progress; twice: no output at all, only the exit code'
            cand --no-progress 'Never draw a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'polctl;describe'= {
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand -n 'Namespace that bare names (`NAME` instead of `NAMESPACE/NAME`) are in [default: default]'
            cand --namespace 'Namespace that bare names (`NAME` instead of `NAMESPACE/NAME`) are in [default: default]'
            cand -f 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand --filename 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand --cni 'Network plugin whose semantics apply [default: detected from the loaded kinds]'
            cand --calico-version 'Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching'
            cand --cilium-version 'Cilium release (1.15-1.20): how an egress named port resolves'
            cand --dns 'A DNS answer Cilium''s proxy saw, for toFQDNs rules (repeatable)'
            cand --dns-file 'DNS answers in /etc/hosts form (`IP NAME...` per line)'
            cand --color 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never'
            cand -R 'Read directories given with -f recursively'
            cand --recursive 'Read directories given with -f recursively'
            cand --no-app-layer 'No application layer: HTTP rules act as plain L3/L4 rules'
            cand -v 'More detail on stderr (each skipped file)'
            cand --verbose 'More detail on stderr (each skipped file)'
            cand -q 'No warnings or progress; twice: no output at all, only the exit code'
            cand --quiet 'No warnings or progress; twice: no output at all, only the exit code'
            cand --no-progress 'Never draw a progress bar'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'polctl;get'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand -n 'Namespace to list [default: default]'
            cand --namespace 'Namespace to list [default: default]'
            cand -l 'Label selector to filter on, kubectl syntax (`app=web,tier!=db,env in (a,b)`)'
            cand --selector 'Label selector to filter on, kubectl syntax (`app=web,tier!=db,env in (a,b)`)'
            cand -f 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand --filename 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand --color 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never'
            cand -A 'List every namespace'
            cand --all-namespaces 'List every namespace'
            cand -R 'Read directories given with -f recursively'
            cand --recursive 'Read directories given with -f recursively'
            cand -v 'More detail on stderr (each skipped file)'
            cand --verbose 'More detail on stderr (each skipped file)'
            cand -q 'No warnings or progress; twice: no output at all, only the exit code'
            cand --quiet 'No warnings or progress; twice: no output at all, only the exit code'
            cand --no-progress 'Never draw a progress bar'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'polctl;completion'= {
            cand --color 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never'
            cand -v 'More detail on stderr (each skipped file)'
            cand --verbose 'More detail on stderr (each skipped file)'
            cand -q 'No warnings or progress; twice: no output at all, only the exit code'
            cand --quiet 'No warnings or progress; twice: no output at all, only the exit code'
            cand --no-progress 'Never draw a progress bar'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'polctl;version'= {
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --color 'When to color output: auto (a terminal, unless NO_COLOR is set), always or never'
            cand -v 'More detail on stderr (each skipped file)'
            cand --verbose 'More detail on stderr (each skipped file)'
            cand -q 'No warnings or progress; twice: no output at all, only the exit code'
            cand --quiet 'No warnings or progress; twice: no output at all, only the exit code'
            cand --no-progress 'Never draw a progress bar'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'polctl;help'= {
            cand simulate 'Simulate a flow through every policy and print the rule trace'
            cand graph 'Compute the reachability graph of everything loaded and render it'
            cand diff 'Compare the reachability of two sets of manifests: connections gained and lost per workload pair'
            cand node 'Enforce the policies on this node with eBPF: attach, status, detach'
            cand test 'Run policy tests: flows with the verdicts they must get, and reachability assertions'
            cand replay 'Replay observed flows against the policies: what would applying them break'
            cand lint 'Find what loads but misleads: shadowed rules and policies, empty selectors, CNI quirks'
            cand describe 'Show an endpoint (labels with their origin, addresses, ports, selecting policies) or a policy (its tier and position, what it selects, its rules'' peers)'
            cand get 'List endpoints, workloads, policies, tiers, namespaces or services'
            cand completion 'Print a shell completion script'
            cand version 'Print the polctl version, its build, and the API versions it models'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'polctl;help;simulate'= {
        }
        &'polctl;help;graph'= {
        }
        &'polctl;help;diff'= {
        }
        &'polctl;help;node'= {
            cand attach 'Compile the verdicts of this node''s endpoints into maps and attach the classifier'
            cand status 'Show the attached interfaces, map sizes, verdict counters and what is not enforced'
            cand detach 'Detach the classifier from every interface and remove its programs, maps and pins'
        }
        &'polctl;help;node;attach'= {
        }
        &'polctl;help;node;status'= {
        }
        &'polctl;help;node;detach'= {
        }
        &'polctl;help;test'= {
        }
        &'polctl;help;replay'= {
        }
        &'polctl;help;lint'= {
        }
        &'polctl;help;describe'= {
        }
        &'polctl;help;get'= {
        }
        &'polctl;help;completion'= {
        }
        &'polctl;help;version'= {
        }
        &'polctl;help;help'= {
        }
    ]
    $completions[$command]
}
