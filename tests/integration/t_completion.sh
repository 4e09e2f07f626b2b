# Shell completion generated from the command table: bash is asked for
# completions the way it asks when Tab is pressed (COMP_WORDS/COMP_CWORD
# set, the completion function called, COMPREPLY read back).
. "$TOP/tests/integration/lib.sh"

run "$HPOSCTL" completion bash
assert_eq 0 "$rc" "completion bash exits 0"
script=$SBX/hposctl.bash
printf '%s\n' "$out" > "$script"
if bash -n "$script"; then ok "the bash script parses"; else fail "the bash script does not parse"; fi

# complete WORD...: what bash would offer for the last word.
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=(); _hposctl; echo "${COMPREPLY[*]}"' \
		sh "$script" "$@"
}
assert_eq "switch-authority" "$(complete_words hposctl sw)" "hposctl sw<Tab> completes the command"
assert_eq "hpos posts" "$(complete_words hposctl switch-authority --to '')" "switch-authority --to <Tab> offers hpos posts"
assert_eq "posts" "$(complete_words hposctl switch-authority --to = p)" "switch-authority --to=p<Tab> completes the value"
assert_eq "table json" "$(complete_words hposctl sync --dry-run --format '')" "sync --format <Tab> offers table json"
assert_eq "table csv json yaml" "$(complete_words hposctl diff 1 --format '')" "diff --format <Tab> offers wp-cli's formats"
assert_eq "enable disable" "$(complete_words hposctl compat-mode '')" "compat-mode <Tab> offers enable disable"
assert_eq "sync" "$(complete_words hposctl --config /etc/h.yml syn)" "a global option's value is not taken for the command"
assert_eq "--sample" "$(complete_words hposctl sync --sam)" "sync options complete"
assert_eq "--no-backup" "$(complete_words hposctl cleanup --no-b)" "negated flags complete where they mean something"
assert_eq "bash zsh" "$(complete_words hposctl completion '')" "completion <Tab> offers the shells"
# Every command of --help is offered for an empty word.
all=$(complete_words hposctl '')
for c in $("$HPOSCTL" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && $1 != "" { print $1 }'); do
	case " $all " in *" $c "*) ;; *) fail "command $c from --help is not offered"; continue ;; esac
done
ok "every command of --help is offered"

run "$HPOSCTL" completion zsh
assert_eq 0 "$rc" "completion zsh exits 0"
assert_contains "$out" "#compdef hposctl" "the zsh script is a compdef file"
if command -v zsh >/dev/null 2>&1; then
	printf '%s\n' "$out" > "$SBX/_hposctl"
	if zsh -n "$SBX/_hposctl"; then ok "the zsh script parses"; else fail "the zsh script does not parse"; fi
fi
run "$HPOSCTL" completion fish
assert_eq 64 "$rc" "an unknown shell is a usage error"
finish
