/* SPDX-License-Identifier: BSD-3-Clause */
/* The device-tree writer: header fields, block layout, strings, overflow. */
/* Before GLib, which #undefs and redefines MIN/MAX from hv/types.h. */
#include <arch/fdt_wr.h>
#include <hv/errno.h>

#include <glib.h>
#include <string.h>

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_tree(void)
{
	static uint8_t buf[1024];
	static struct fdt_wr w;
	uint32_t size = 0, cells[2] = { 0x12345678, 9 };
	const uint8_t *s;

	memset(buf, 0xaa, sizeof(buf));
	fdt_wr_begin(&w, buf, sizeof(buf));
	fdt_wr_node(&w, "");
	fdt_wr_prop_u32(&w, "#address-cells", 2);
	fdt_wr_node(&w, "cpu@0");
	fdt_wr_prop_str(&w, "riscv,isa", "rv64imac");
	fdt_wr_prop_cells(&w, "reg", cells, 2);
	fdt_wr_prop(&w, "interrupt-controller", NULL, 0);
	fdt_wr_end_node(&w);
	fdt_wr_prop_u32(&w, "#address-cells", 1); /* a repeated name is stored once */
	fdt_wr_end_node(&w);
	g_assert_cmpint(fdt_wr_finish(&w, &size), ==, 0);

	g_assert_cmphex(be32(buf), ==, 0xd00dfeed);
	g_assert_cmpuint(be32(buf + 4), ==, size);
	g_assert_cmpuint(be32(buf + 20), ==, 17);
	g_assert_cmpuint(be32(buf + 24), ==, 16);
	g_assert_cmpuint(be32(buf + 16), ==, 40); /* reservation map right after the header */
	g_assert_cmphex(be32(buf + 40) | be32(buf + 44) | be32(buf + 48) | be32(buf + 52), ==, 0);
	g_assert_cmpuint(be32(buf + 8), ==, 56);
	g_assert_cmpuint(be32(buf + 8) + be32(buf + 36), ==, be32(buf + 12));
	g_assert_cmpuint(be32(buf + 12) + be32(buf + 32), <=, size);
	g_assert_cmpuint(size % 4, ==, 0);
	/* Structure: root node, its empty name padded to 4 bytes, its first property. */
	s = buf + 56;
	g_assert_cmpuint(be32(s), ==, 1);
	g_assert_cmpuint(be32(s + 4), ==, 0);
	g_assert_cmpuint(be32(s + 8), ==, 3);
	g_assert_cmpuint(be32(s + 12), ==, 4);
	g_assert_cmpuint(be32(s + 20), ==, 2);
	g_assert_cmpuint(be32(buf + be32(buf + 12) - 4), ==, 9); /* FDT_END ends the structure */
	/* Strings: four distinct names. */
	g_assert_cmpuint(be32(buf + 32), ==,
	                 sizeof("#address-cells") + sizeof("riscv,isa") + sizeof("reg") +
	                         sizeof("interrupt-controller"));
	g_assert_cmpstr((const char *)buf + be32(buf + 12) + be32(s + 16), ==, "#address-cells");
}

static void test_overflow(void)
{
	static uint8_t buf[128];
	static struct fdt_wr w;
	uint32_t size = 0;

	fdt_wr_begin(&w, buf, sizeof(buf));
	fdt_wr_node(&w, "");
	for (int i = 0; i < 20; i++)
		fdt_wr_prop_u32(&w, "x", (uint32_t)i);
	fdt_wr_end_node(&w);
	g_assert_cmpint(fdt_wr_finish(&w, &size), ==, -ENOSPC);
	fdt_wr_begin(&w, buf, 20);
	g_assert_cmpint(fdt_wr_finish(&w, &size), ==, -ENOSPC);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/fdt-wr/tree", test_tree);
	g_test_add_func("/fdt-wr/overflow", test_overflow);
	return g_test_run();
}
