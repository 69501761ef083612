/* SPDX-License-Identifier: BSD-3-Clause */
/* Definitions: good, bad and hostile XML; the XML → acrn-dm command line mapping. */
#include <string.h>

#include "cmdline.h" /* acrn-dm's own parser checks the argv we build */
#include "def.h"

#define GOOD                                                                               \
	"<domain type='acrn' xmlns:acrn='https://projectacrn.org/acrnd/1'>"                \
	"<name>vm1</name><uuid>4DEA22B3-1D52-D8F3-2516-782E98AB3FA0</uuid>"                \
	"<memory unit='GiB'>1</memory><vcpu placement='static' cpuset='1-2'>2</vcpu>"      \
	"<os><type>hvm</type><kernel>/boot/bzImage</kernel><initrd>/boot/initrd</initrd>"  \
	"<cmdline>console=ttyS0 root=/dev/vda rw</cmdline></os>"                           \
	"<on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot>"                 \
	"<on_crash>restart</on_crash>"                                                     \
	"<devices><disk type='file' device='disk'><driver name='acrn' type='qcow2'/>"      \
	"<source file='/srv/vm1.qcow2'/><target dev='vda' bus='virtio'/></disk>"           \
	"<disk type='file'><source file='/srv/data.img'/><readonly/></disk>"               \
	"<serial type='file'><source path='/tmp/vm1.console'/><target port='0'/></serial>" \
	"</devices><acrn:transport>board</acrn:transport>"                                 \
	"<acrn:restart-limit>3</acrn:restart-limit></domain>"

static struct acrnd_def *parse_ok(const char *xml)
{
	g_autoptr(GError) err = NULL;
	struct acrnd_def *def = NULL;

	g_assert_cmpint(acrnd_def_parse(xml, strlen(xml), &def, &err), ==, 0);
	g_assert_no_error(err);
	return def;
}

/* Parsing @xml fails with -EINVAL and a message containing @needle. */
static void parse_bad(const char *xml, size_t len, const char *needle)
{
	g_autoptr(GError) err = NULL;
	struct acrnd_def *def = NULL;

	g_assert_cmpint(acrnd_def_parse(xml, len, &def, &err), ==, -EINVAL);
	g_assert_null(def);
	g_assert_nonnull(err);
	if (!strstr(err->message, needle))
		g_error("expected '%s' in: %s", needle, err->message);
}

static void test_good(void)
{
	struct acrnd_def *def = parse_ok(GOOD);
	const struct acrnd_disk *d0, *d1;

	g_assert_cmpstr(def->name, ==, "vm1");
	g_assert_cmpstr(def->uuid, ==, "4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
	g_assert_false(def->uuid_generated);
	g_assert_cmpuint(def->memory_mib, ==, 1024);
	g_assert_cmpuint(def->vcpus, ==, 2);
	g_assert_cmphex(def->cpuset, ==, 0x6);
	g_assert_cmpstr(def->kernel, ==, "/boot/bzImage");
	g_assert_cmpstr(def->cmdline, ==, "console=ttyS0 root=/dev/vda rw");
	g_assert_cmpint(def->on_crash, ==, ACRND_ACTION_RESTART);
	g_assert_cmpint(def->on_poweroff, ==, ACRND_ACTION_DESTROY);
	g_assert_cmpuint(def->disks->len, ==, 2);
	d0 = def->disks->pdata[0];
	d1 = def->disks->pdata[1];
	g_assert_cmpstr(d0->format, ==, "qcow2");
	g_assert_cmpstr(d0->target, ==, "vda");
	g_assert_false(d0->readonly);
	g_assert_cmpstr(d1->format, ==, "raw");
	g_assert_cmpstr(d1->target, ==, "vdb");
	g_assert_true(d1->readonly);
	g_assert_cmpstr(def->transport, ==, "board");
	g_assert_cmpuint(def->restart_limit, ==, 3);
	acrnd_def_free(def);
}

static void test_minimal_defaults(void)
{
	struct acrnd_def *def =
	        parse_ok("<domain type='acrn'><name>a-b_C9</name>"
	                 "<memory>262144</memory><os><kernel>/k</kernel></os></domain>");

	g_assert_cmpuint(def->memory_mib, ==, 256); /* KiB by default */
	g_assert_cmpuint(def->vcpus, ==, 1);
	g_assert_true(g_uuid_string_is_valid(def->uuid)); /* generated */
	g_assert_true(def->uuid_generated);
	g_assert_cmpint(def->on_reboot, ==, ACRND_ACTION_RESTART);
	acrnd_def_free(def);
}

static void test_roundtrip(void)
{
	struct acrnd_def *a = parse_ok(GOOD), *b;
	g_autofree char *x1 = acrnd_def_format(a);
	g_autofree char *x2 = NULL;

	b = parse_ok(x1);
	x2 = acrnd_def_format(b);
	g_assert_cmpstr(x1, ==, x2);
	g_assert_cmpstr(a->uuid, ==, b->uuid);
	g_assert_cmpuint(b->disks->len, ==, 2);
	acrnd_def_free(a);
	acrnd_def_free(b);
}

/* A running VM's XML names its pty as libvirt's live XML does, and still parses back. */
static void test_live(void)
{
	struct acrnd_def *a = parse_ok(
	        "<domain type='acrn'><name>vm1</name><memory>65536</memory><vcpu>1</vcpu><os>"
	        "<kernel>/k</kernel></os><devices><serial type='pty'><target port='0'/></serial>"
	        "<serial type='file'><source path='/tmp/c2'/><target port='1'/></serial>"
	        "</devices></domain>");
	char *pty[ACRND_SERIALS_MAX] = { "/dev/pts/9", "/dev/pts/10" };
	g_autofree char *plain = acrnd_def_format(a);
	g_autofree char *live = acrnd_def_format_live(a, pty);
	g_autofree char *again = NULL;
	struct acrnd_def *b;

	g_assert_null(strstr(plain, "/dev/pts/"));
	g_assert_nonnull(strstr(live, "<serial type='pty'>\n      <source path='/dev/pts/9'/>"));
	/* Only pty ports take a pty: the file port keeps its file. */
	g_assert_null(strstr(live, "/dev/pts/10"));
	g_assert_nonnull(strstr(live, "<source path='/tmp/c2'/>"));
	b = parse_ok(live);
	again = acrnd_def_format(b);
	g_assert_cmpstr(again, ==, plain);
	acrnd_def_free(a);
	acrnd_def_free(b);
}

static void test_names(void)
{
	static const char *const bad[] = { "",       "a/b", "..",
		                           "../etc", "a.b", "sixteen-chars-xx",
		                           "-rf",    "a b", "\xc3\xa9t\xc3\xa9" };
	static const char *const good[] = { "a", "vm1", "VM_2-x", "fifteen-chars-x" };

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) err = NULL;
		g_autofree char *xml =
		        g_strdup_printf("<domain type='acrn'><name>%s</name><memory>65536</memory>"
		                        "<os><kernel>/k</kernel></os></domain>",
		                        bad[i]);

		g_assert_cmpint(acrnd_name_check(bad[i], &err), ==, -EINVAL);
		g_assert_nonnull(err);
		parse_bad(xml, strlen(xml), "VM name");
	}
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++)
		g_assert_cmpint(acrnd_name_check(good[i], NULL), ==, 0);
}

static void test_bad(void)
{
	static const struct {
		const char *xml, *needle;
	} cases[] = {
		{ "<domain", "not well-formed" },
		{ "", "not well-formed" },
		{ "<vm type='acrn'/>", "not <domain>" },
		{ "<domain type='kvm'><name>a</name></domain>", "not 'acrn'" },
		{ "<domain type='acrn'><memory>65536</memory><os><kernel>/k</kernel></os></domain>",
		  "<name> is missing" },
		{ "<domain type='acrn'><name>a</name><os><kernel>/k</kernel></os></domain>",
		  "<memory> is missing" },
		{ "<domain type='acrn'><name>a</name><memory unit='parsec'>1</memory></domain>",
		  "unknown unit" },
		{ "<domain type='acrn'><name>a</name><memory>-5</memory></domain>", "memory" },
		{ "<domain "
		  "type='acrn'><name>a</name><memory>65536</memory><vcpu>17</vcpu></domain>",
		  "vcpu" },
		{ "<domain type='acrn'><name>a</name><memory>65536</memory>"
		  "<vcpu cpuset='1-3'>2</vcpu></domain>",
		  "3 pCPUs for 2 vCPUs" },
		{ "<domain type='acrn'><name>a</name><memory>65536</memory><os></os></domain>",
		  "os/kernel is missing" },
		{ "<domain type='acrn'><name>a</name><memory>65536</memory>"
		  "<os><kernel>boot/k</kernel></os></domain>",
		  "not absolute" },
		{ "<domain "
		  "type='acrn'><name>a</name><memory>65536</memory><os><kernel>/k</kernel></os>"
		  "<devices><disk><source file='/a,b'/></disk></devices></domain>",
		  "contains ','" },
		{ "<domain "
		  "type='acrn'><name>a</name><memory>65536</memory><os><kernel>/k</kernel></os>"
		  "<devices><disk><driver type='vmdk'/><source "
		  "file='/a'/></disk></devices></domain>",
		  "format 'vmdk'" },
		{ "<domain "
		  "type='acrn'><name>a</name><memory>65536</memory><os><kernel>/k</kernel></os>"
		  "<devices><interface type='bridge'/></devices></domain>",
		  "<interface> is not supported" },
		{ "<domain "
		  "type='acrn'><name>a</name><memory>65536</memory><os><kernel>/k</kernel></os>"
		  "<on_crash>coredump-destroy</on_crash></domain>",
		  "on_crash" },
		{ "<domain type='acrn' xmlns:acrn='https://projectacrn.org/acrnd/1'><name>a</name>"
		  "<acrn:shell>rm</acrn:shell></domain>",
		  "acrn:shell" },
		{ "<domain type='acrn'><name>a</name><uuid>nope</uuid></domain>", "not a UUID" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		parse_bad(cases[i].xml, strlen(cases[i].xml), cases[i].needle);
}

static void test_hostile(void)
{
	static const char laughs[] =
	        "<?xml version='1.0'?><!DOCTYPE domain [<!ENTITY a 'lol'>"
	        "<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'><!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;'>"
	        "]><domain type='acrn'><name>&c;</name></domain>";
	static const char external[] =
	        "<?xml version='1.0'?><!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
	        "<domain type='acrn'><name>&x;</name></domain>";
	static const char xinclude[] =
	        "<domain type='acrn' xmlns:xi='http://www.w3.org/2001/XInclude'><name>a</name>"
	        "<memory>65536</memory><os><kernel>/k</kernel></os>"
	        "<xi:include href='/etc/passwd'/></domain>";
	static const char undeclared[] = "<domain type='acrn'><name>&x;</name></domain>";
	static const char nul[] = "<domain type='acrn'>\0<name>a</name></domain>";
	size_t big_len = ACRND_XML_MAX + 1;
	g_autofree char *big = g_malloc(big_len);
	GString *deep = g_string_new("<domain type='acrn'>");
	struct acrnd_def *def;

	parse_bad(laughs, strlen(laughs), "not allowed");
	parse_bad(external, strlen(external), "not allowed");
	parse_bad(undeclared, strlen(undeclared), "not well-formed");
	parse_bad(nul, sizeof(nul) - 1, "NUL");
	memset(big, ' ', big_len);
	parse_bad(big, big_len, "at most");
	/* XInclude is never processed: the element is ignored, /etc/passwd not read. */
	def = parse_ok(xinclude);
	g_assert_cmpstr(def->name, ==, "a");
	acrnd_def_free(def);
	for (int i = 0; i < 100000; i++)
		g_string_append(deep, "<x>");
	parse_bad(deep->str, deep->len, "not well-formed");
	g_string_free(deep, TRUE);
}

static void test_argv(void)
{
	struct acrnd_def *def = parse_ok(GOOD);
	g_auto(GStrv) argv = acrnd_def_to_argv(def, "/usr/bin/acrn-dm", "/run/acrnd/vm1.monitor");
	g_autofree char *joined = g_strjoinv(" ", argv);
	g_autoptr(GError) err = NULL;
	struct dm_cmdline c = { 0 };

	g_assert_cmpstr(joined, ==,
	                "/usr/bin/acrn-dm -m 1024M --cpu_affinity 1,2 -s 0:0,hostbridge -s 31,lpc "
	                "-s 3,virtio-blk,/srv/vm1.qcow2,format=qcow2,id=vda "
	                "-s 4,virtio-blk,/srv/data.img,ro,format=raw,id=vdb "
	                "-l com1,file:/tmp/vm1.console -k /boot/bzImage -r /boot/initrd "
	                "-B console=ttyS0 root=/dev/vda rw --transport board "
	                "--cmd_monitor /run/acrnd/vm1.monitor vm1");
	/* acrn-dm's own command-line parser accepts it and reads it back. */
	g_assert_cmpint(dm_cmdline_parse(&c, g_strv_length(argv), argv, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpstr(c.vm_name, ==, "vm1");
	g_assert_cmpuint(c.mem_size, ==, 1024ULL << 20);
	g_assert_cmphex(c.cpu_affinity, ==, 0x6);
	g_assert_cmpstr(c.bootargs, ==, "console=ttyS0 root=/dev/vda rw");
	g_assert_cmpstr(c.monitor, ==, "/run/acrnd/vm1.monitor");
	g_assert_cmpuint(c.pci->len, ==, 4);
	dm_cmdline_clear(&c);
	acrnd_def_free(def);
}

static void test_argv_minimal(void)
{
	struct acrnd_def *def = parse_ok("<domain type='acrn'><name>m</name><memory unit='MiB'>"
	                                 "300</memory><vcpu>3</vcpu><os><kernel>/k</kernel></os>"
	                                 "<devices><serial type='pty'/></devices></domain>");
	g_auto(GStrv) argv = acrnd_def_to_argv(def, "dm", "/mon");
	g_autofree char *joined = g_strjoinv(" ", argv);

	g_assert_cmpstr(joined, ==,
	                "dm -m 300M -c 3 -s 0:0,hostbridge -s 31,lpc -l com1,pty -k /k "
	                "--cmd_monitor /mon m");
	acrnd_def_free(def);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/acrnd/def/good", test_good);
	g_test_add_func("/acrnd/def/minimal", test_minimal_defaults);
	g_test_add_func("/acrnd/def/roundtrip", test_roundtrip);
	g_test_add_func("/acrnd/def/live", test_live);
	g_test_add_func("/acrnd/def/names", test_names);
	g_test_add_func("/acrnd/def/bad", test_bad);
	g_test_add_func("/acrnd/def/hostile", test_hostile);
	g_test_add_func("/acrnd/def/argv", test_argv);
	g_test_add_func("/acrnd/def/argv-minimal", test_argv_minimal);
	return g_test_run();
}
