/* SPDX-License-Identifier: BSD-3-Clause */
/* struct acrnd_def → canonical domain XML, and → acrn-dm's command line. */
#include <string.h>

#include "def.h"

static void cpulist(GString *s, uint64_t set)
{
	bool first = true;

	for (int c = 0; c < 64; c++) {
		if (!(set & (1ULL << c)))
			continue;
		g_string_append_printf(s, "%s%d", first ? "" : ",", c);
		first = false;
	}
}

static void el(GString *s, const char *indent, const char *name, const char *text)
{
	g_autofree char *t = g_markup_escape_text(text, -1);

	g_string_append_printf(s, "%s<%s>%s</%s>\n", indent, name, t, name);
}

char *acrnd_def_format(const struct acrnd_def *def)
{
	return acrnd_def_format_live(def, NULL);
}

char *acrnd_def_format_live(const struct acrnd_def *def, char *const pty[ACRND_SERIALS_MAX])
{
	GString *s = g_string_new("<domain type='acrn' xmlns:acrn='" ACRND_NS "'>\n");

	el(s, "  ", "name", def->name);
	el(s, "  ", "uuid", def->uuid);
	g_string_append_printf(s, "  <memory unit='MiB'>%" G_GUINT64_FORMAT "</memory>\n",
	                       (guint64)def->memory_mib);
	if (def->cpuset) {
		g_autoptr(GString) l = g_string_new(NULL);

		cpulist(l, def->cpuset);
		g_string_append_printf(s, "  <vcpu placement='static' cpuset='%s'>%u</vcpu>\n",
		                       l->str, def->vcpus);
	} else {
		g_string_append_printf(s, "  <vcpu placement='static'>%u</vcpu>\n", def->vcpus);
	}
	g_string_append(s, "  <os>\n    <type>hvm</type>\n");
	el(s, "    ", "kernel", def->kernel);
	if (def->initrd)
		el(s, "    ", "initrd", def->initrd);
	if (def->cmdline)
		el(s, "    ", "cmdline", def->cmdline);
	g_string_append(s, "  </os>\n");
	el(s, "  ", "on_poweroff", acrnd_action_to_string(def->on_poweroff));
	el(s, "  ", "on_reboot", acrnd_action_to_string(def->on_reboot));
	el(s, "  ", "on_crash", acrnd_action_to_string(def->on_crash));
	g_string_append(s, "  <devices>\n");
	for (guint i = 0; i < def->disks->len; i++) {
		const struct acrnd_disk *d = def->disks->pdata[i];
		g_autofree char *f = g_markup_escape_text(d->file, -1);

		g_string_append_printf(s,
		                       "    <disk type='file' device='disk'>\n"
		                       "      <driver name='acrn' type='%s'/>\n"
		                       "      <source file='%s'/>\n"
		                       "      <target dev='%s' bus='virtio'/>\n%s"
		                       "    </disk>\n",
		                       d->format, f, d->target,
		                       d->readonly ? "      <readonly/>\n" : "");
	}
	for (guint i = 0; i < def->serials->len; i++) {
		const struct acrnd_serial *c = def->serials->pdata[i];
		static const char *const types[] = { "pty", "file", "unix" };
		const char *path = c->type == ACRND_SERIAL_PTY && pty && c->port < ACRND_SERIALS_MAX
		                           ? pty[c->port]
		                           : c->path;
		g_autofree char *p = path ? g_markup_escape_text(path, -1) : NULL;

		g_string_append_printf(s, "    <serial type='%s'>\n", types[c->type]);
		if (c->type == ACRND_SERIAL_FILE || (c->type == ACRND_SERIAL_PTY && p))
			g_string_append_printf(s, "      <source path='%s'/>\n", p);
		else if (c->type == ACRND_SERIAL_UNIX)
			g_string_append_printf(s, "      <source mode='bind' path='%s'/>\n", p);
		g_string_append_printf(s, "      <target port='%u'/>\n", c->port);
		/* Live XML: libvirt's alias, the name consoles are opened by (serialN). */
		if (pty)
			g_string_append_printf(s, "      <alias name='serial%u'/>\n", c->port);
		g_string_append(s, "    </serial>\n");
	}
	g_string_append(s, "  </devices>\n");
	if (def->transport)
		el(s, "  ", "acrn:transport", def->transport);
	if (def->restart_limit)
		g_string_append_printf(s, "  <acrn:restart-limit>%u</acrn:restart-limit>\n",
		                       def->restart_limit);
	g_string_append(s, "</domain>\n");
	return g_string_free(s, FALSE);
}

/* PCI slots: 0 host bridge, 31 LPC, disks from 3 on (as ACRN's launch scripts). */
#define DISK_SLOT0 3

char **acrnd_def_to_argv(const struct acrnd_def *def, const char *dm_path, const char *monitor_path)
{
	GPtrArray *a = g_ptr_array_new();

	g_ptr_array_add(a, g_strdup(dm_path));
	g_ptr_array_add(a, g_strdup("-m"));
	g_ptr_array_add(a, g_strdup_printf("%" G_GUINT64_FORMAT "M", (guint64)def->memory_mib));
	if (def->cpuset) {
		GString *l = g_string_new(NULL);

		cpulist(l, def->cpuset);
		g_ptr_array_add(a, g_strdup("--cpu_affinity"));
		g_ptr_array_add(a, g_string_free(l, FALSE));
	} else {
		g_ptr_array_add(a, g_strdup("-c"));
		g_ptr_array_add(a, g_strdup_printf("%u", def->vcpus));
	}
	g_ptr_array_add(a, g_strdup("-s"));
	g_ptr_array_add(a, g_strdup("0:0,hostbridge"));
	g_ptr_array_add(a, g_strdup("-s"));
	g_ptr_array_add(a, g_strdup("31,lpc"));
	for (guint i = 0; i < def->disks->len; i++) {
		const struct acrnd_disk *d = def->disks->pdata[i];

		g_ptr_array_add(a, g_strdup("-s"));
		g_ptr_array_add(a, g_strdup_printf("%u,virtio-blk,%s%s,format=%s,id=%s",
		                                   DISK_SLOT0 + i, d->file,
		                                   d->readonly ? ",ro" : "", d->format, d->target));
	}
	for (guint i = 0; i < def->serials->len; i++) {
		const struct acrnd_serial *c = def->serials->pdata[i];

		g_ptr_array_add(a, g_strdup("-l"));
		if (c->type == ACRND_SERIAL_PTY)
			g_ptr_array_add(a, g_strdup_printf("com%u,pty", c->port + 1));
		else
			g_ptr_array_add(
			        a, g_strdup_printf("com%u,%s:%s", c->port + 1,
			                           c->type == ACRND_SERIAL_FILE ? "file" : "socket",
			                           c->path));
	}
	g_ptr_array_add(a, g_strdup("-k"));
	g_ptr_array_add(a, g_strdup(def->kernel));
	if (def->initrd) {
		g_ptr_array_add(a, g_strdup("-r"));
		g_ptr_array_add(a, g_strdup(def->initrd));
	}
	if (def->cmdline) {
		g_ptr_array_add(a, g_strdup("-B"));
		g_ptr_array_add(a, g_strdup(def->cmdline));
	}
	if (def->transport) {
		g_ptr_array_add(a, g_strdup("--transport"));
		g_ptr_array_add(a, g_strdup(def->transport));
	}
	g_ptr_array_add(a, g_strdup("--cmd_monitor"));
	g_ptr_array_add(a, g_strdup(monitor_path));
	g_ptr_array_add(a, g_strdup(def->name));
	g_ptr_array_add(a, NULL);
	return (char **)g_ptr_array_free(a, FALSE);
}
