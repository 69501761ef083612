/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-dm's options, in the spirit of ACRN's (doc: acrn-dm-parameters):
 * short and long forms, "--opt=value" and "--opt value", one positional
 * VM name. Hand-written rather than getopt so every mistake gets a
 * message that names the option, and tests can parse many command lines.
 */
#include <errno.h>
#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

#include <dm/vm.h>

#include "cmdline.h"

#define NAME_MAX_LEN 15 /* ACRN's limit; the name picks the hypervisor's VM slot */

const char dm_cmdline_usage[] =
        "Usage: acrn-dm [options] VM_NAME\n"
        "\n"
        "Runs one post-launched VM: creates it in the hypervisor, emulates its devices and\n"
        "boots a Linux bzImage in it directly. VM_NAME (1-15 characters) selects the\n"
        "hypervisor's configuration slot for the VM.\n"
        "\n"
        "Machine:\n"
        "  -m, --memsize SIZE        guest RAM, e.g. 512M or 2G (a bare number is MiB;\n"
        "                            rounded up to 2 MiB; default 256M)\n"
        "  -c, --cpus N              number of vCPUs (1-16)\n"
        "      --cpu_affinity LIST   pCPUs for the vCPUs, e.g. 2,3 or 1-3 (one vCPU each)\n"
        "  -s, --pci_slot SLOT[:FUNC],EMUL[,CONF]\n"
        "                            a PCI device, e.g. -s 0:0,hostbridge -s 31,lpc\n"
        "                            -s 3,virtio-blk,disk.img\n"
        "  -l, --lpc COMx,BACKEND    a COM port: com1 or com2 with stdio, pty,\n"
        "                            socket:PATH or file:PATH\n"
        "Boot:\n"
        "  -k, --kernel FILE         Linux bzImage (required)\n"
        "  -r, --ramdisk FILE        initrd\n"
        "  -B, --bootargs ARGS       kernel command line\n"
        "Control:\n"
        "      --cmd_monitor PATH    JSON monitor socket (commands and events)\n"
        "      --transport NAME      kernel (/dev/acrn_hsm) or board (the board bridge);\n"
        "                            default: kernel if /dev/acrn_hsm exists, else board\n"
        "  -h, --help                this text\n"
        "  -v, --version             the version\n"
        "\n"
        "Exit status: 0 when the guest powered off, 1 on a runtime error, 2 on a bad\n"
        "command line.\n";

enum opt_id {
	OPT_MEM,
	OPT_CPUS,
	OPT_AFFINITY,
	OPT_PCI,
	OPT_LPC,
	OPT_KERNEL,
	OPT_RAMDISK,
	OPT_BOOTARGS,
	OPT_MONITOR,
	OPT_TRANSPORT,
	OPT_HELP,
	OPT_VERSION,
};

struct opt {
	char short_name;
	const char *long_name;
	enum opt_id id;
	bool arg;
};

static const struct opt opts[] = {
	{ 'm', "memsize", OPT_MEM, true },
	{ 'c', "cpus", OPT_CPUS, true },
	{ 0, "cpu_affinity", OPT_AFFINITY, true },
	{ 's', "pci_slot", OPT_PCI, true },
	{ 'l', "lpc", OPT_LPC, true },
	{ 'k', "kernel", OPT_KERNEL, true },
	{ 'r', "ramdisk", OPT_RAMDISK, true },
	{ 'B', "bootargs", OPT_BOOTARGS, true },
	{ 0, "cmd_monitor", OPT_MONITOR, true },
	{ 0, "transport", OPT_TRANSPORT, true },
	{ 'h', "help", OPT_HELP, false },
	{ 'v', "version", OPT_VERSION, false },
};

static int fail(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static int fail(GError **error, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, msg);
	g_free(msg);
	return -EINVAL;
}

int dm_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 20;

	if (!s || !g_ascii_isdigit(s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (g_ascii_toupper(*end)) {
	case '\0':
		break;
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	default:
		return -EINVAL;
	}
	if (*end) {
		end++;
		/* "2G", "2GB", "2GiB" are all accepted. */
		if (g_ascii_strcasecmp(end, "") && g_ascii_strcasecmp(end, "B") &&
		    g_ascii_strcasecmp(end, "iB"))
			return -EINVAL;
	}
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (!s || !g_ascii_isdigit(s[0]))
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || *end || *out > max)
		return -EINVAL;
	return 0;
}

int dm_parse_cpu_list(const char *s, uint64_t *out)
{
	gchar **parts;
	uint64_t mask = 0;
	int ret = 0;

	if (!s || !*s)
		return -EINVAL;
	parts = g_strsplit(s, ",", -1);
	for (gchar **p = parts; *p && !ret; p++) {
		gchar **r = g_strsplit(*p, "-", 3);
		unsigned long long lo, hi;

		if (!r[0] || parse_uint(r[0], 63, &lo))
			ret = -EINVAL;
		else if (r[1] && (r[2] || parse_uint(r[1], 63, &hi) || hi < lo))
			ret = -EINVAL;
		else {
			if (!r[1])
				hi = lo;
			for (unsigned long long i = lo; i <= hi; i++)
				mask |= 1ULL << i;
		}
		g_strfreev(r);
	}
	g_strfreev(parts);
	if (!ret)
		*out = mask;
	return ret;
}

static const struct opt *find_short(char c)
{
	for (size_t i = 0; i < G_N_ELEMENTS(opts); i++)
		if (opts[i].short_name == c)
			return &opts[i];
	return NULL;
}

static const struct opt *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < G_N_ELEMENTS(opts); i++)
		if (strlen(opts[i].long_name) == len && !strncmp(opts[i].long_name, name, len))
			return &opts[i];
	return NULL;
}

static int set_once(char **slot, const char *val, const char *optname, GError **error)
{
	if (*slot)
		return fail(error, "%s given twice", optname);
	if (!*val)
		return fail(error, "%s: empty value", optname);
	*slot = g_strdup(val);
	return 0;
}

static int apply(struct dm_cmdline *c, const struct opt *o, const char *optname, const char *val,
                 GError **error)
{
	unsigned long long n;
	int ret;

	switch (o->id) {
	case OPT_MEM:
		ret = dm_parse_size(val, &c->mem_size);
		if (ret)
			return fail(error, "%s: \"%s\" is not a memory size (e.g. 512M, 2G)",
			            optname, val);
		if (c->mem_size < (2ULL << 20) || c->mem_size > DM_PCI_MMIO64 - DM_HIGHMEM_BASE)
			return fail(error, "%s: %s is out of range (2M to %lluG)", optname, val,
			            (unsigned long long)((DM_PCI_MMIO64 - DM_HIGHMEM_BASE) >> 30));
		c->mem_size = (c->mem_size + (2ULL << 20) - 1) & ~((2ULL << 20) - 1);
		return 0;
	case OPT_CPUS:
		if (parse_uint(val, DM_MAX_VCPUS, &n) || n == 0)
			return fail(error, "%s: \"%s\" is not a vCPU count from 1 to %d", optname,
			            val, DM_MAX_VCPUS);
		c->ncpus = (unsigned)n;
		return 0;
	case OPT_AFFINITY:
		if (dm_parse_cpu_list(val, &c->cpu_affinity))
			return fail(
			        error,
			        "%s: \"%s\" is not a list of pCPU ids below 64 (e.g. 2,3 or 1-3)",
			        optname, val);
		if (__builtin_popcountll(c->cpu_affinity) > DM_MAX_VCPUS)
			return fail(error, "%s: %d pCPUs, a VM has at most %d vCPUs", optname,
			            __builtin_popcountll(c->cpu_affinity), DM_MAX_VCPUS);
		return 0;
	case OPT_PCI:
		if (!*val || !g_ascii_isdigit(val[0]) || !strchr(val, ','))
			return fail(error, "%s: \"%s\" is not SLOT[:FUNC],EMULATION[,CONFIG]",
			            optname, val);
		g_ptr_array_add(c->pci, g_strdup(val));
		return 0;
	case OPT_LPC:
		if (!strchr(val, ','))
			return fail(error, "%s: \"%s\" is not COMx,BACKEND (e.g. com1,stdio)",
			            optname, val);
		g_ptr_array_add(c->lpc, g_strdup(val));
		return 0;
	case OPT_KERNEL:
		return set_once(&c->kernel, val, optname, error);
	case OPT_RAMDISK:
		return set_once(&c->initrd, val, optname, error);
	case OPT_BOOTARGS:
		if (c->bootargs)
			return fail(error, "%s given twice", optname);
		c->bootargs = g_strdup(val); /* may be empty */
		return 0;
	case OPT_MONITOR:
		return set_once(&c->monitor, val, optname, error);
	case OPT_TRANSPORT:
		if (strcmp(val, "kernel") && strcmp(val, "board"))
			return fail(error, "%s: \"%s\" is not a transport (kernel or board)",
			            optname, val);
		return set_once(&c->transport, val, optname, error);
	case OPT_HELP:
		c->help = true;
		return 0;
	case OPT_VERSION:
		c->version = true;
		return 0;
	}
	return -EINVAL;
}

static int check_name(const char *name, GError **error)
{
	size_t len = strlen(name);

	if (len == 0 || len > NAME_MAX_LEN)
		return fail(error, "VM name \"%s\" must have 1 to %d characters", name,
		            NAME_MAX_LEN);
	for (size_t i = 0; i < len; i++)
		if (!g_ascii_isalnum(name[i]) && !strchr("-_.", name[i]))
			return fail(error,
			            "VM name \"%s\": only letters, digits, '-', '_' and '.' are "
			            "allowed",
			            name);
	return 0;
}

static int finish(struct dm_cmdline *c, GError **error)
{
	if (c->help || c->version)
		return 0;
	if (!c->vm_name)
		return fail(error, "no VM name given (acrn-dm [options] VM_NAME)");
	if (!c->kernel)
		return fail(error, "no kernel given: -k FILE is required (direct Linux boot)");
	if (c->cpu_affinity) {
		unsigned n = (unsigned)__builtin_popcountll(c->cpu_affinity);

		/* As in ACRN, the affinity list decides the vCPU count. */
		if (c->ncpus && c->ncpus != n)
			return fail(error,
			            "--cpus %u disagrees with --cpu_affinity, which lists %u pCPUs",
			            c->ncpus, n);
		c->ncpus = n;
	}
	if (!c->mem_size)
		c->mem_size = DM_DEFAULT_MEM;
	return 0;
}

int dm_cmdline_parse(struct dm_cmdline *c, int argc, char **argv, GError **error)
{
	bool only_args = false;
	int ret;

	memset(c, 0, sizeof(*c));
	c->pci = g_ptr_array_new_with_free_func(g_free);
	c->lpc = g_ptr_array_new_with_free_func(g_free);

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		const struct opt *o;
		char optname[64];

		if (only_args || a[0] != '-' || a[1] == '\0') {
			if (c->vm_name)
				return fail(
				        error,
				        "unexpected argument \"%s\": the VM name is already \"%s\"",
				        a, c->vm_name);
			ret = check_name(a, error);
			if (ret)
				return ret;
			c->vm_name = g_strdup(a);
			continue;
		}
		if (!strcmp(a, "--")) {
			only_args = true;
			continue;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);

			o = find_long(a + 2, len);
			g_snprintf(optname, sizeof(optname), "--%.*s", (int)MIN(len, 40), a + 2);
			if (!o)
				return fail(error, "unknown option %s (see --help)", optname);
			if (eq) {
				if (!o->arg)
					return fail(error, "%s takes no value", optname);
				val = eq + 1;
			}
		} else {
			o = find_short(a[1]);
			g_snprintf(optname, sizeof(optname), "-%c", a[1]);
			if (!o)
				return fail(error, "unknown option %s (see --help)", optname);
			if (a[2]) {
				if (!o->arg)
					return fail(error, "%s takes no value (got \"%s\")",
					            optname, a);
				val = a + 2;
			}
		}
		if (o->arg && !val) {
			if (i + 1 >= argc)
				return fail(error, "%s needs a value", optname);
			val = argv[++i];
		}
		ret = apply(c, o, optname, val, error);
		if (ret)
			return ret;
	}
	return finish(c, error);
}

void dm_cmdline_clear(struct dm_cmdline *c)
{
	g_free(c->vm_name);
	g_free(c->kernel);
	g_free(c->initrd);
	g_free(c->bootargs);
	g_free(c->monitor);
	g_free(c->transport);
	if (c->pci)
		g_ptr_array_free(c->pci, TRUE);
	if (c->lpc)
		g_ptr_array_free(c->lpc, TRUE);
	memset(c, 0, sizeof(*c));
}
