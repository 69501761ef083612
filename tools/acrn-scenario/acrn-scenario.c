/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-scenario: check a scenario file on the host before a board boots it.
 *
 * It links the hypervisor's own parser (hv/core/scenario.c built with
 * HV_HOSTED), so a file this tool accepts is a file the hypervisor accepts,
 * and its messages are the ones the hypervisor would print at boot.
 *
 * Exit status: 0 success, 1 the scenario (or a module) is bad or unreadable,
 * 2 usage error.
 */
/* Before GLib, which #undefs and redefines MIN/MAX from hv/types.h. */
#include <hv/scenario.h>

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_BAD   1
#define EXIT_USAGE 2

static const char usage_text[] =
        "Usage: acrn-scenario COMMAND FILE [OPTION]...\n"
        "\n"
        "Validate and inspect an ACRN scenario file (format: scenarios/README.md).\n"
        "FILE may be '-' for standard input.\n"
        "\n"
        "Commands:\n"
        "  check FILE    validate; print a one-line summary, or FILE:LINE: error\n"
        "  modules FILE  print each boot module (kernel, initrd) the scenario names, once\n"
        "  show FILE     print the scenario normalized: every key, canonical values\n"
        "\n"
        "Options:\n"
        "  --pcpus N     the board has N pCPUs (1-64): reject VMs on pCPUs it lacks\n"
        "  --search DIR  check only: each named module must be a file in one of the\n"
        "                DIRs (repeatable, searched in order); bzImage kernels must\n"
        "                carry the Linux boot protocol signature\n"
        "  -h, --help    show this help\n"
        "\n"
        "Exit status: 0 ok, 1 invalid scenario or missing module, 2 usage error.\n";

static int usage_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("acrn-scenario: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'acrn-scenario --help' for more information.\n", stderr);
	return EXIT_USAGE;
}

struct options {
	const char *command;
	const char *file;
	unsigned pcpus;
	GPtrArray *search; /* of const char * (borrowed from argv) */
};

/* Take an option's value from "--opt=V" or the next argument. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static bool is_option(const char *arg, const char *name)
{
	size_t n = strlen(name);

	return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

static int parse_args(int argc, char **argv, struct options *o)
{
	bool dashdash = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!dashdash && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
			fputs(usage_text, stdout);
			exit(0);
		} else if (!dashdash && strcmp(a, "--") == 0) {
			dashdash = true;
		} else if (!dashdash && is_option(a, "--pcpus")) {
			const char *v = option_value(argc, argv, &i, "--pcpus");
			char *end;
			unsigned long n;

			if (!v)
				return usage_error("--pcpus needs a value");
			errno = 0;
			n = strtoul(v, &end, 10);
			if (!*v || *end || errno || n < 1 || n > SCENARIO_MAX_PCPUS || *v == '-')
				return usage_error("--pcpus '%s': expected a number from 1 to %u",
				                   v, SCENARIO_MAX_PCPUS);
			o->pcpus = (unsigned)n;
		} else if (!dashdash && is_option(a, "--search")) {
			const char *v = option_value(argc, argv, &i, "--search");

			if (!v || !*v)
				return usage_error("--search needs a directory");
			g_ptr_array_add(o->search, (gpointer)v);
		} else if (!dashdash && a[0] == '-' && a[1] != '\0') {
			return usage_error("unknown option '%s'", a);
		} else if (!o->command) {
			o->command = a;
		} else if (!o->file) {
			o->file = a;
		} else {
			return usage_error("unexpected argument '%s'", a);
		}
	}

	if (!o->command)
		return usage_error("missing command (check, modules or show)");
	if (strcmp(o->command, "check") != 0 && strcmp(o->command, "modules") != 0 &&
	    strcmp(o->command, "show") != 0)
		return usage_error("unknown command '%s' (expected check, modules or show)",
		                   o->command);
	if (!o->file)
		return usage_error("%s: missing FILE", o->command);
	if (o->search->len && strcmp(o->command, "check") != 0)
		return usage_error("--search only applies to check");
	return 0;
}

static bool read_input(const char *file, char **text, size_t *len)
{
	GError *error = NULL;

	if (strcmp(file, "-") == 0) {
		GString *s = g_string_new(NULL);
		char buf[65536];
		size_t n;

		while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
			g_string_append_len(s, buf, (gssize)n);
		if (ferror(stdin)) {
			fprintf(stderr, "acrn-scenario: cannot read standard input\n");
			g_string_free(s, TRUE);
			return false;
		}
		*len = s->len;
		*text = g_string_free(s, FALSE);
		return true;
	}
	if (!g_file_get_contents(file, text, len, &error)) {
		fprintf(stderr, "acrn-scenario: %s\n", error->message);
		g_error_free(error);
		return false;
	}
	return true;
}

static void report(const char *file, unsigned line, const char *msg)
{
	if (line)
		fprintf(stderr, "%s:%u: %s\n", file, line, msg);
	else
		fprintf(stderr, "%s: %s\n", file, msg);
}

/* A bzImage has the "HdrS" boot protocol signature at offset 0x202. */
static bool looks_like_bzimage(const char *path)
{
	char hdr[0x206];
	FILE *f = fopen(path, "rb");
	bool ok;

	if (!f)
		return false;
	ok = fread(hdr, 1, sizeof(hdr), f) == sizeof(hdr) && memcmp(hdr + 0x202, "HdrS", 4) == 0;
	fclose(f);
	return ok;
}

static int check_module(const char *file, GPtrArray *dirs, const struct scenario_vm *vm,
                        const char *what, const char *name, unsigned line)
{
	GString *tried = g_string_new(NULL);
	int ret = EXIT_BAD;

	for (guint i = 0; i < dirs->len; i++) {
		char *path = g_build_filename(dirs->pdata[i], name, NULL);
		bool found = g_file_test(path, G_FILE_TEST_IS_REGULAR);

		if (found && strcmp(what, "kernel") == 0 && vm->kernel_type == KERNEL_BZIMAGE &&
		    !looks_like_bzimage(path)) {
			char *msg = g_strdup_printf("vm %s: kernel %s is not a bzImage (no 'HdrS' "
			                            "signature at 0x202); kernel_type = raw?",
			                            vm->name, path);

			report(file, line, msg);
			g_free(msg);
			g_free(path);
			goto out;
		}
		g_free(path);
		if (found) {
			ret = 0;
			goto out;
		}
		g_string_append_printf(tried, "%s%s", i ? ", " : "", (char *)dirs->pdata[i]);
	}
	{
		char *msg = g_strdup_printf("vm %s: %s module '%s' not found in %s", vm->name, what,
		                            name, tried->str);

		report(file, line, msg);
		g_free(msg);
	}
out:
	g_string_free(tried, TRUE);
	return ret;
}

static void print_summary(const char *file, const struct scenario *sc)
{
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "%s: ok: %u VM%s, %s scheduling", file, sc->nr_vms,
	                       sc->nr_vms == 1 ? "" : "s", scenario_sched_name(sc->sched));
	for (unsigned i = 0; i < sc->nr_vms; i++) {
		const struct scenario_vm *vm = &sc->vms[i];

		if (vm->kernel_type == KERNEL_BRIDGE) {
			g_string_append_printf(
			        s, "%s %s (%s, board bridge on pCPU %d, %" G_GUINT64_FORMAT " MiB)",
			        i ? ";" : ":", vm->name, scenario_load_order_name(vm->load_order),
			        scenario_vcpu_pcpu(vm, 0), vm->memory_size >> 20);
			continue;
		}
		g_string_append_printf(s, "%s %s (%s, %u vCPU%s, %" G_GUINT64_FORMAT " MiB)",
		                       i ? ";" : ":", vm->name,
		                       scenario_load_order_name(vm->load_order), vm->nr_vcpus,
		                       vm->nr_vcpus == 1 ? "" : "s", vm->memory_size >> 20);
	}
	puts(s->str);
	g_string_free(s, TRUE);
}

static void print_modules(const struct scenario *sc)
{
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);

	for (unsigned i = 0; i < sc->nr_vms; i++) {
		const char *mods[] = { sc->vms[i].kernel_mod, sc->vms[i].initrd_mod };

		for (size_t m = 0; m < G_N_ELEMENTS(mods); m++) {
			if (!mods[m][0] || g_hash_table_contains(seen, mods[m]))
				continue;
			g_hash_table_add(seen, (gpointer)mods[m]);
			puts(mods[m]);
		}
	}
	g_hash_table_destroy(seen);
}

static void print_show(const char *file, const struct scenario *sc)
{
	size_t n = scenario_format(sc, NULL, 0);
	char *buf = g_malloc(n + 1);

	scenario_format(sc, buf, n + 1);
	printf("# %s, normalized by acrn-scenario\n", file);
	fputs(buf, stdout);
	g_free(buf);
}

int main(int argc, char **argv)
{
	struct options o = { .search = g_ptr_array_new() };
	struct scenario *sc = g_new0(struct scenario, 1);
	struct scenario_error err;
	char *text = NULL;
	size_t len = 0;
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret)
		goto out;

	ret = EXIT_BAD;
	if (!read_input(o.file, &text, &len))
		goto out;
	if (scenario_parse(text, len, o.pcpus, sc, &err)) {
		report(o.file, err.line, err.msg);
		goto out;
	}

	if (strcmp(o.command, "check") == 0) {
		for (unsigned i = 0; o.search->len && i < sc->nr_vms; i++) {
			const struct scenario_vm *vm = &sc->vms[i];

			if (vm->kernel_mod[0] && check_module(o.file, o.search, vm, "kernel",
			                                      vm->kernel_mod, vm->kernel_line))
				goto out;
			if (vm->initrd_mod[0] && check_module(o.file, o.search, vm, "initrd",
			                                      vm->initrd_mod, vm->initrd_line))
				goto out;
		}
		print_summary(o.file, sc);
	} else if (strcmp(o.command, "modules") == 0) {
		print_modules(sc);
	} else {
		print_show(o.file, sc);
	}
	ret = fflush(stdout) == 0 ? 0 : EXIT_BAD;
out:
	g_free(text);
	g_free(sc);
	g_ptr_array_free(o.search, TRUE);
	return ret;
}
