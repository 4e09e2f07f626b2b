/* cmd_completion.c - `hposctl completion bash|zsh`: shell completion
 * generated from the command table, so that it always matches the binary.
 *
 * What completes: command names and aliases (and `help COMMAND`), global
 * options everywhere, each command's options, option values where the
 * option's argument name lists them ("hpos|posts", "table|json"), file
 * names for FILE/PATH arguments, and fixed first arguments (compat-mode
 * enable|disable).  An option that takes a value is known as such, so its
 * value is never mistaken for the command. */
#include "hposctl.h"
#include "output.h"

#include <stdio.h>
#include <string.h>

/* What an option table entry is, for completion: takes a value, one of
 * listed values ("a|b"), a file name. */
static int takes_value(const struct opt *o)
{
	return o->type != OPT_FLAG && o->type != OPT_REJECT && o->type != OPT_END;
}

static int is_choice(const struct opt *o)
{
	return takes_value(o) && o->argname && strchr(o->argname, '|');
}

static int is_file(const struct opt *o)
{
	return takes_value(o) && o->argname && (!strcmp(o->argname, "FILE") || !strcmp(o->argname, "PATH"));
}

/* "a|b|c" as "a b c". */
static void add_words(struct strbuf *sb, const char *bar)
{
	for (; *bar; bar++)
		sb_addc(sb, *bar == '|' ? ' ' : *bar);
}

/* Long options of a table ("--x --no-y ..."); flags also as --no-x where
 * the table says so (only --backup and --color have a negative use). */
static void add_opts(struct strbuf *sb, const struct opt *opts)
{
	for (const struct opt *o = opts; o && o->type != OPT_END; o++) {
		if (o->type == OPT_REJECT)
			continue;
		sb_addf(sb, " --%s", o->name);
		if (o->type == OPT_FLAG && (!strcmp(o->name, "backup") || !strcmp(o->name, "color")))
			sb_addf(sb, " --no-%s", o->name);
	}
}

/* Options that take a value, for skipping their value ("--config FILE"). */
static void add_valopts(struct strbuf *sb, const struct opt *opts)
{
	for (const struct opt *o = opts; o && o->type != OPT_END; o++) {
		char w[64];

		if (!takes_value(o))
			continue;
		snprintf(w, sizeof(w), " --%s ", o->name);
		if (!sb->len || !strstr(sb->buf, w))
			sb_addf(sb, " --%s ", o->name);
		snprintf(w, sizeof(w), " -%c ", o->short_name);
		if (o->short_name && !strstr(sb->buf, w))
			sb_addf(sb, " -%c ", o->short_name);
	}
}

/* Names of commands (and aliases) for `case` patterns: "a|b". */
static void add_names(struct strbuf *sb, const struct command *c)
{
	sb_adds(sb, c->name);
	for (int j = 0; j < 3 && c->aliases[j]; j++)
		sb_addf(sb, "|%s", c->aliases[j]);
}

/* The facts both scripts are built from. */
struct facts {
	struct strbuf cmds, globals, valopts;
};

/* The word lists both shells' scripts are built from (f owns them; see
 * facts_release()). */
static void facts_build(struct facts *f)
{
	size_t n;
	const struct command *const *cmds = hpos_commands(&n);

	memset(f, 0, sizeof(*f));
	sb_adds(&f->cmds, "help version");
	for (size_t i = 0; i < n; i++) {
		sb_addf(&f->cmds, " %s", cmds[i]->name);
		for (int j = 0; j < 3 && cmds[i]->aliases[j]; j++)
			sb_addf(&f->cmds, " %s", cmds[i]->aliases[j]);
		add_valopts(&f->valopts, cmds[i]->opts);
	}
	add_opts(&f->globals, hpos_global_opts());
	add_valopts(&f->valopts, hpos_global_opts());
}

static void facts_release(struct facts *f)
{
	sb_release(&f->cmds);
	sb_release(&f->globals);
	sb_release(&f->valopts);
}

/* A shell line: pre, the words, post. */
struct tmpl {
	const char *pre, *post;
};

/* t.pre, the words, t.post. */
static void add_tmpl(struct strbuf *sb, struct tmpl t, const char *words)
{
	sb_adds(sb, t.pre);
	sb_adds(sb, words);
	sb_adds(sb, t.post);
}

/* `case "$cmd $prev"` arms for option values: listed values, file names. */
static void value_arms(struct strbuf *sb, struct tmpl choice, const char *file_cmd)
{
	size_t n;
	const struct command *const *cmds = hpos_commands(&n);
	const struct opt *g = hpos_global_opts();

	for (size_t i = 0; i < n; i++)
		for (const struct opt *o = cmds[i]->opts; o && o->type != OPT_END; o++) {
			struct strbuf pat = STRBUF_INIT, w = STRBUF_INIT;

			if (!is_choice(o) && !is_file(o))
				continue;
			for (size_t k = 0; k < n; k++)
				if (k == i || !strcmp(cmds[k]->name, cmds[i]->name)) {
					const struct command *c = cmds[k];

					sb_addf(&pat, "\"%s --%s\"", c->name, o->name);
					for (int j = 0; j < 3 && c->aliases[j]; j++)
						sb_addf(&pat, "|\"%s --%s\"", c->aliases[j], o->name);
				}
			if (is_choice(o)) {
				add_words(&w, o->argname);
				sb_addf(sb, "\t%s)\n\t\t", pat.buf);
				add_tmpl(sb, choice, w.buf);
				sb_adds(sb, "\n\t\treturn ;;\n");
			} else {
				sb_addf(sb, "\t%s)\n\t\t%s\n\t\treturn ;;\n", pat.buf, file_cmd);
			}
			sb_release(&pat);
			sb_release(&w);
		}
	for (const struct opt *o = g; o->type != OPT_END; o++) {
		if (is_file(o))
			sb_addf(sb, "\t*\" --%s\")\n\t\t%s\n\t\treturn ;;\n", o->name, file_cmd);
	}
}

/* `case $cmd` arms: each command's options (opts around them) and its fixed
 * first arguments (args around them). */
static void command_arms(struct strbuf *sb, struct tmpl opts, struct tmpl args)
{
	size_t n;
	const struct command *const *cmds = hpos_commands(&n);

	for (size_t i = 0; i < n; i++) {
		struct strbuf names = STRBUF_INIT, o = STRBUF_INIT, a = STRBUF_INIT;

		add_names(&names, cmds[i]);
		add_opts(&o, cmds[i]->opts);
		sb_addf(sb, "\t%s)\n", names.buf);
		if (cmds[i]->args) {
			add_words(&a, cmds[i]->args);
			sb_adds(sb, "\t\t");
			add_tmpl(sb, args, a.buf);
			sb_addc(sb, '\n');
		}
		sb_adds(sb, "\t\t");
		add_tmpl(sb, opts, o.len ? o.buf + 1 : "");
		sb_adds(sb, " ;;\n");
		sb_release(&names);
		sb_release(&o);
		sb_release(&a);
	}
}

/* The bash completion script, appended to sb. */
static void gen_bash(struct strbuf *sb)
{
	struct facts f;

	facts_build(&f);
	sb_addf(sb,
		"# bash completion for hposctl " HPOSCTL_VERSION " (generated by `hposctl completion bash`)\n"
		"_hposctl()\n"
		"{\n"
		"\tlocal cur prev cmd= args=0 i w opts=\n"
		"\tlocal valopts=\"%s\"\n"
		"\tcur=${COMP_WORDS[COMP_CWORD]}\n"
		"\tprev=${COMP_WORDS[COMP_CWORD-1]}\n"
		"\t# --opt=value: bash splits at '=' (COMP_WORDBREAKS)\n"
		"\tif [[ $cur == = ]]; then cur=; elif [[ $prev == = ]]; then prev=${COMP_WORDS[COMP_CWORD-2]}; fi\n"
		"\tif [[ $cur == --*=* ]]; then prev=${cur%%%%=*}; cur=${cur#*=}; fi\n"
		"\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
		"\t\tw=${COMP_WORDS[i]}\n"
		"\t\tcase $w in\n"
		"\t\t=) [[ ${COMP_WORDS[i+1]} != \"\" && $((i + 1)) -lt $COMP_CWORD ]] && ((i++)) ;;\n"
		"\t\t-*) [[ $valopts == *\" $w \"* && ${COMP_WORDS[i+1]} != = ]] && ((i++)) ;;\n"
		"\t\t*) if [[ -z $cmd ]]; then cmd=$w; else ((args++)); fi ;;\n"
		"\t\tesac\n"
		"\tdone\n"
		"\tcase \"$cmd $prev\" in\n",
		f.valopts.buf);
	value_arms(sb, (struct tmpl){ "COMPREPLY=($(compgen -W \"", "\" -- \"$cur\"))" },
		   "COMPREPLY=($(compgen -f -- \"$cur\"))");
	sb_adds(sb, "\tesac\n"
		"\t# a value we cannot list: complete nothing rather than options\n"
		"\tif [[ $prev == -* && $valopts == *\" $prev \"* ]]; then COMPREPLY=(); return; fi\n");
	sb_addf(sb,
		"\tif [[ -z $cmd ]]; then\n"
		"\t\tif [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"%s\" -- \"$cur\"))\n"
		"\t\telse COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")); fi\n"
		"\t\treturn\n"
		"\tfi\n"
		"\tcase $cmd in\n"
		"\thelp) [[ $args == 0 ]] && COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")); return ;;\n",
		f.globals.buf + 1, f.cmds.buf, f.cmds.buf);
	command_arms(sb, (struct tmpl){ "opts=\"", "\"" },
		     (struct tmpl){ "if [[ $args == 0 && $cur != -* ]]; then COMPREPLY=($(compgen -W \"",
				    "\" -- \"$cur\")); return; fi" });
	sb_addf(sb,
		"\tesac\n"
		"\tif [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"$opts %s\" -- \"$cur\")); fi\n"
		"}\n"
		"complete -F _hposctl hposctl\n",
		f.globals.buf + 1);
	facts_release(&f);
}

/* The zsh completion script, appended to sb. */
static void gen_zsh(struct strbuf *sb)
{
	struct facts f;

	facts_build(&f);
	sb_addf(sb,
		"#compdef hposctl\n"
		"# zsh completion for hposctl " HPOSCTL_VERSION " (generated by `hposctl completion zsh`).\n"
		"# Install as _hposctl in a directory of $fpath, or: source <(hposctl completion zsh)\n"
		"_hposctl() {\n"
		"\tlocal cmd= w cur prev pre= opts= i args=0\n"
		"\tlocal valopts=\"%s\"\n"
		"\tcur=${words[CURRENT]}\n"
		"\tprev=${words[CURRENT-1]}\n"
		"\tif [[ $cur == --*=* ]]; then prev=${cur%%%%=*}; pre=\"$prev=\"; cur=${cur#*=}; fi\n"
		"\tfor (( i = 2; i < CURRENT; i++ )); do\n"
		"\t\tw=${words[i]}\n"
		"\t\tcase $w in\n"
		"\t\t-*) [[ $valopts == *\" $w \"* ]] && (( i++ )) ;;\n"
		"\t\t*) if [[ -z $cmd ]]; then cmd=$w; else (( args++ )); fi ;;\n"
		"\t\tesac\n"
		"\tdone\n"
		"\tcase \"$cmd $prev\" in\n",
		f.valopts.buf);
	value_arms(sb, (struct tmpl){ "compadd -P \"$pre\" -- ", "" }, "_files");
	sb_adds(sb, "\tesac\n"
		"\tif [[ $prev == -* && $valopts == *\" $prev \"* ]]; then return 1; fi\n");
	sb_addf(sb,
		"\tif [[ -z $cmd ]]; then\n"
		"\t\tif [[ $cur == -* ]]; then compadd -- %s; else compadd -- %s; fi\n"
		"\t\treturn\n"
		"\tfi\n"
		"\tcase $cmd in\n"
		"\thelp) (( args == 0 )) && compadd -- %s; return ;;\n",
		f.globals.buf + 1, f.cmds.buf, f.cmds.buf);
	command_arms(sb, (struct tmpl){ "opts=\"", "\"" },
		     (struct tmpl){ "if (( args == 0 )) && [[ $cur != -* ]]; then compadd -- ", "; return; fi" });
	sb_addf(sb,
		"\tesac\n"
		"\tif [[ $cur == -* ]]; then compadd -- ${=opts} %s; fi\n"
		"}\n"
		"if [[ $funcstack[1] == _hposctl ]]; then _hposctl \"$@\"; else compdef _hposctl hposctl; fi\n",
		f.globals.buf + 1);
	facts_release(&f);
}

/* `hposctl completion bash|zsh`: the script on stdout.  HX_INTERNAL when
 * stdout cannot be written. */
static int run_completion(int argc, char **argv, struct ctx *c)
{
	struct herr err = { 0, "" };
	struct strbuf sb = STRBUF_INIT;
	int rc = command_opts(&cmd_completion, &argc, argv, &err);

	if (rc)
		return rc > 0 ? HX_OK : report(&err);
	if (argc != 1 || (strcmp(argv[0], "bash") && strcmp(argv[0], "zsh"))) {
		herr_set(&err, HX_USAGE, "completion: name the shell: bash or zsh");
		return report(&err);
	}
	if (!strcmp(argv[0], "bash"))
		gen_bash(&sb);
	else
		gen_zsh(&sb);
	fputs(sb.buf, stdout);
	sb_release(&sb);
	return fflush(stdout) == 0 ? HX_OK : HX_INTERNAL;
}

const struct command cmd_completion = {
	.name = "completion",
	.fn = run_completion,
	.summary = "Print the shell completion script for bash or zsh",
	.synopsis = "hposctl completion bash|zsh",
	.description = "Generated from the command table: commands, options and option values.\n"
		       "bash: hposctl completion bash > /etc/bash_completion.d/hposctl (or source it).\n"
		       "zsh:  hposctl completion zsh > \"${fpath[1]}/_hposctl\" (or source it after compinit).\n"
		       "`make install` installs both.",
	.args = "bash|zsh",
};
