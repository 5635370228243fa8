# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_polctl_global_optspecs
    string join \n f/filename= R/recursive n/namespace= A/all-namespaces o/output= l/selector= context= kubeconfig= color= v/verbose h/help V/version
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

complete -c polctl -n "__fish_polctl_needs_command" -s f -l filename -d 'Manifest file, directory, or `-` for stdin (repeatable)' -r -F
complete -c polctl -n "__fish_polctl_needs_command" -s n -l namespace -d 'Namespace to show or resolve bare names in' -r
complete -c polctl -n "__fish_polctl_needs_command" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
yaml\t''
json\t''
name\t''"
complete -c polctl -n "__fish_polctl_needs_command" -s l -l selector -d 'Label selector to filter on, kubectl syntax (`app=web,tier!=db,env in (a,b)`)' -r
complete -c polctl -n "__fish_polctl_needs_command" -l context -d 'Kubeconfig context, for commands that talk to a cluster' -r
complete -c polctl -n "__fish_polctl_needs_command" -l kubeconfig -d 'Kubeconfig file, for commands that talk to a cluster' -r -F
complete -c polctl -n "__fish_polctl_needs_command" -l color -d 'When to color output (NO_COLOR is honoured; never when not a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c polctl -n "__fish_polctl_needs_command" -s R -l recursive -d 'Read directories given with -f recursively'
complete -c polctl -n "__fish_polctl_needs_command" -s A -l all-namespaces -d 'All namespaces'
complete -c polctl -n "__fish_polctl_needs_command" -s v -l verbose -d 'More detail on stderr (repeatable)'
complete -c polctl -n "__fish_polctl_needs_command" -s h -l help -d 'Print help'
complete -c polctl -n "__fish_polctl_needs_command" -s V -l version -d 'Print version'
complete -c polctl -n "__fish_polctl_needs_command" -f -a "get" -d 'List endpoints, workloads, policies, tiers, namespaces or services'
complete -c polctl -n "__fish_polctl_needs_command" -f -a "completion" -d 'Print a shell completion script'
complete -c polctl -n "__fish_polctl_needs_command" -f -a "version" -d 'Print the polctl version'
complete -c polctl -n "__fish_polctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c polctl -n "__fish_polctl_using_subcommand get" -s f -l filename -d 'Manifest file, directory, or `-` for stdin (repeatable)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand get" -s n -l namespace -d 'Namespace to show or resolve bare names in' -r
complete -c polctl -n "__fish_polctl_using_subcommand get" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
yaml\t''
json\t''
name\t''"
complete -c polctl -n "__fish_polctl_using_subcommand get" -s l -l selector -d 'Label selector to filter on, kubectl syntax (`app=web,tier!=db,env in (a,b)`)' -r
complete -c polctl -n "__fish_polctl_using_subcommand get" -l context -d 'Kubeconfig context, for commands that talk to a cluster' -r
complete -c polctl -n "__fish_polctl_using_subcommand get" -l kubeconfig -d 'Kubeconfig file, for commands that talk to a cluster' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand get" -l color -d 'When to color output (NO_COLOR is honoured; never when not a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c polctl -n "__fish_polctl_using_subcommand get" -s R -l recursive -d 'Read directories given with -f recursively'
complete -c polctl -n "__fish_polctl_using_subcommand get" -s A -l all-namespaces -d 'All namespaces'
complete -c polctl -n "__fish_polctl_using_subcommand get" -s v -l verbose -d 'More detail on stderr (repeatable)'
complete -c polctl -n "__fish_polctl_using_subcommand get" -s h -l help -d 'Print help'
complete -c polctl -n "__fish_polctl_using_subcommand get" -s V -l version -d 'Print version'
complete -c polctl -n "__fish_polctl_using_subcommand completion" -s f -l filename -d 'Manifest file, directory, or `-` for stdin (repeatable)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand completion" -s n -l namespace -d 'Namespace to show or resolve bare names in' -r
complete -c polctl -n "__fish_polctl_using_subcommand completion" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
yaml\t''
json\t''
name\t''"
complete -c polctl -n "__fish_polctl_using_subcommand completion" -s l -l selector -d 'Label selector to filter on, kubectl syntax (`app=web,tier!=db,env in (a,b)`)' -r
complete -c polctl -n "__fish_polctl_using_subcommand completion" -l context -d 'Kubeconfig context, for commands that talk to a cluster' -r
complete -c polctl -n "__fish_polctl_using_subcommand completion" -l kubeconfig -d 'Kubeconfig file, for commands that talk to a cluster' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand completion" -l color -d 'When to color output (NO_COLOR is honoured; never when not a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c polctl -n "__fish_polctl_using_subcommand completion" -s R -l recursive -d 'Read directories given with -f recursively'
complete -c polctl -n "__fish_polctl_using_subcommand completion" -s A -l all-namespaces -d 'All namespaces'
complete -c polctl -n "__fish_polctl_using_subcommand completion" -s v -l verbose -d 'More detail on stderr (repeatable)'
complete -c polctl -n "__fish_polctl_using_subcommand completion" -s h -l help -d 'Print help'
complete -c polctl -n "__fish_polctl_using_subcommand completion" -s V -l version -d 'Print version'
complete -c polctl -n "__fish_polctl_using_subcommand version" -s f -l filename -d 'Manifest file, directory, or `-` for stdin (repeatable)' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand version" -s n -l namespace -d 'Namespace to show or resolve bare names in' -r
complete -c polctl -n "__fish_polctl_using_subcommand version" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
yaml\t''
json\t''
name\t''"
complete -c polctl -n "__fish_polctl_using_subcommand version" -s l -l selector -d 'Label selector to filter on, kubectl syntax (`app=web,tier!=db,env in (a,b)`)' -r
complete -c polctl -n "__fish_polctl_using_subcommand version" -l context -d 'Kubeconfig context, for commands that talk to a cluster' -r
complete -c polctl -n "__fish_polctl_using_subcommand version" -l kubeconfig -d 'Kubeconfig file, for commands that talk to a cluster' -r -F
complete -c polctl -n "__fish_polctl_using_subcommand version" -l color -d 'When to color output (NO_COLOR is honoured; never when not a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c polctl -n "__fish_polctl_using_subcommand version" -s R -l recursive -d 'Read directories given with -f recursively'
complete -c polctl -n "__fish_polctl_using_subcommand version" -s A -l all-namespaces -d 'All namespaces'
complete -c polctl -n "__fish_polctl_using_subcommand version" -s v -l verbose -d 'More detail on stderr (repeatable)'
complete -c polctl -n "__fish_polctl_using_subcommand version" -s h -l help -d 'Print help'
complete -c polctl -n "__fish_polctl_using_subcommand version" -s V -l version -d 'Print version'
complete -c polctl -n "__fish_polctl_using_subcommand help; and not __fish_seen_subcommand_from get completion version help" -f -a "get" -d 'List endpoints, workloads, policies, tiers, namespaces or services'
complete -c polctl -n "__fish_polctl_using_subcommand help; and not __fish_seen_subcommand_from get completion version help" -f -a "completion" -d 'Print a shell completion script'
complete -c polctl -n "__fish_polctl_using_subcommand help; and not __fish_seen_subcommand_from get completion version help" -f -a "version" -d 'Print the polctl version'
complete -c polctl -n "__fish_polctl_using_subcommand help; and not __fish_seen_subcommand_from get completion version help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
