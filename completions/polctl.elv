
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
            cand -f 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand --filename 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand -n 'Namespace to show or resolve bare names in'
            cand --namespace 'Namespace to show or resolve bare names in'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -l 'Label selector to filter on, kubectl syntax (`app=web,tier!=db,env in (a,b)`)'
            cand --selector 'Label selector to filter on, kubectl syntax (`app=web,tier!=db,env in (a,b)`)'
            cand --context 'Kubeconfig context, for commands that talk to a cluster'
            cand --kubeconfig 'Kubeconfig file, for commands that talk to a cluster'
            cand --color 'When to color output (NO_COLOR is honoured; never when not a terminal)'
            cand -R 'Read directories given with -f recursively'
            cand --recursive 'Read directories given with -f recursively'
            cand -A 'All namespaces'
            cand --all-namespaces 'All namespaces'
            cand -v 'More detail on stderr (repeatable)'
            cand --verbose 'More detail on stderr (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand get 'List endpoints, workloads, policies, tiers, namespaces or services'
            cand completion 'Print a shell completion script'
            cand version 'Print the polctl version'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'polctl;get'= {
            cand -f 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand --filename 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand -n 'Namespace to show or resolve bare names in'
            cand --namespace 'Namespace to show or resolve bare names in'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -l 'Label selector to filter on, kubectl syntax (`app=web,tier!=db,env in (a,b)`)'
            cand --selector 'Label selector to filter on, kubectl syntax (`app=web,tier!=db,env in (a,b)`)'
            cand --context 'Kubeconfig context, for commands that talk to a cluster'
            cand --kubeconfig 'Kubeconfig file, for commands that talk to a cluster'
            cand --color 'When to color output (NO_COLOR is honoured; never when not a terminal)'
            cand -R 'Read directories given with -f recursively'
            cand --recursive 'Read directories given with -f recursively'
            cand -A 'All namespaces'
            cand --all-namespaces 'All namespaces'
            cand -v 'More detail on stderr (repeatable)'
            cand --verbose 'More detail on stderr (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'polctl;completion'= {
            cand -f 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand --filename 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand -n 'Namespace to show or resolve bare names in'
            cand --namespace 'Namespace to show or resolve bare names in'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -l 'Label selector to filter on, kubectl syntax (`app=web,tier!=db,env in (a,b)`)'
            cand --selector 'Label selector to filter on, kubectl syntax (`app=web,tier!=db,env in (a,b)`)'
            cand --context 'Kubeconfig context, for commands that talk to a cluster'
            cand --kubeconfig 'Kubeconfig file, for commands that talk to a cluster'
            cand --color 'When to color output (NO_COLOR is honoured; never when not a terminal)'
            cand -R 'Read directories given with -f recursively'
            cand --recursive 'Read directories given with -f recursively'
            cand -A 'All namespaces'
            cand --all-namespaces 'All namespaces'
            cand -v 'More detail on stderr (repeatable)'
            cand --verbose 'More detail on stderr (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'polctl;version'= {
            cand -f 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand --filename 'Manifest file, directory, or `-` for stdin (repeatable)'
            cand -n 'Namespace to show or resolve bare names in'
            cand --namespace 'Namespace to show or resolve bare names in'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -l 'Label selector to filter on, kubectl syntax (`app=web,tier!=db,env in (a,b)`)'
            cand --selector 'Label selector to filter on, kubectl syntax (`app=web,tier!=db,env in (a,b)`)'
            cand --context 'Kubeconfig context, for commands that talk to a cluster'
            cand --kubeconfig 'Kubeconfig file, for commands that talk to a cluster'
            cand --color 'When to color output (NO_COLOR is honoured; never when not a terminal)'
            cand -R 'Read directories given with -f recursively'
            cand --recursive 'Read directories given with -f recursively'
            cand -A 'All namespaces'
            cand --all-namespaces 'All namespaces'
            cand -v 'More detail on stderr (repeatable)'
            cand --verbose 'More detail on stderr (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'polctl;help'= {
            cand get 'List endpoints, workloads, policies, tiers, namespaces or services'
            cand completion 'Print a shell completion script'
            cand version 'Print the polctl version'
            cand help 'Print this message or the help of the given subcommand(s)'
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
