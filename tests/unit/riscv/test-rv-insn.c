/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The MMIO load/store decoder on encodings produced by the assembler
 * (riscv64-linux-gnu-as), every width and signedness, the compressed and
 * sp-relative forms, the address (base register and offset) of each, the
 * transformed form htinst reports, and refusals.
 */
/* Before GLib, which #undefs and redefines MIN/MAX from hv/types.h. */
#include <arch/insn.h>
#include <hv/errno.h>

#include <glib.h>

struct ok_case {
	const char *text;
	uint32_t insn;
	struct rv_mmio_insn want;
};

static const struct ok_case ok_cases[] = {
	{ "lb a0,0(a1)",
	  0x00058503,
	  { .len = 4, .store = false, .width = 1, .sign = true, .reg = 10 } },
	{ "lh t1,2(s0)",
	  0x00241303,
	  { .len = 4, .store = false, .width = 2, .sign = true, .reg = 6 } },
	{ "lw s11,-4(t6)",
	  0xffcfad83,
	  { .len = 4, .store = false, .width = 4, .sign = true, .reg = 27 } },
	{ "ld ra,8(sp)",
	  0x00813083,
	  { .len = 4, .store = false, .width = 8, .sign = false, .reg = 1 } },
	{ "lbu a5,5(a4)",
	  0x00574783,
	  { .len = 4, .store = false, .width = 1, .sign = false, .reg = 15 } },
	{ "lhu x31,0(x1)",
	  0x0000df83,
	  { .len = 4, .store = false, .width = 2, .sign = false, .reg = 31 } },
	{ "lwu a0,0(a0)",
	  0x00056503,
	  { .len = 4, .store = false, .width = 4, .sign = false, .reg = 10 } },
	{ "lw zero,0(a0)",
	  0x00052003,
	  { .len = 4, .store = false, .width = 4, .sign = true, .reg = 0 } },
	{ "sb a1,0(a0)",
	  0x00b50023,
	  { .len = 4, .store = true, .width = 1, .sign = false, .reg = 11 } },
	{ "sh t2,6(a3)",
	  0x00769323,
	  { .len = 4, .store = true, .width = 2, .sign = false, .reg = 7 } },
	{ "sw s3,-8(s4)",
	  0xff3a2c23,
	  { .len = 4, .store = true, .width = 4, .sign = false, .reg = 19 } },
	{ "sd x31,16(x2)",
	  0x01f13823,
	  { .len = 4, .store = true, .width = 8, .sign = false, .reg = 31 } },
	{ "c.lw a5,8(a5)",
	  0x479c,
	  { .len = 2, .store = false, .width = 4, .sign = true, .reg = 15 } },
	{ "c.ld s0,0(a0)",
	  0x6100,
	  { .len = 2, .store = false, .width = 8, .sign = false, .reg = 8 } },
	{ "c.sw a5,0(a3)",
	  0xc29c,
	  { .len = 2, .store = true, .width = 4, .sign = false, .reg = 15 } },
	{ "c.sd a1,8(a2)",
	  0xe60c,
	  { .len = 2, .store = true, .width = 8, .sign = false, .reg = 11 } },
	{ "c.lwsp a4,12(sp)",
	  0x4732,
	  { .len = 2, .store = false, .width = 4, .sign = true, .reg = 14 } },
	{ "c.ldsp ra,8(sp)",
	  0x60a2,
	  { .len = 2, .store = false, .width = 8, .sign = false, .reg = 1 } },
	{ "c.swsp a5,24(sp)",
	  0xcc3e,
	  { .len = 2, .store = true, .width = 4, .sign = false, .reg = 15 } },
	{ "c.sdsp s1,0(sp)",
	  0xe026,
	  { .len = 2, .store = true, .width = 8, .sign = false, .reg = 9 } },
};

static void test_ok(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(ok_cases); i++) {
		const struct ok_case *c = &ok_cases[i];
		struct rv_mmio_insn d = { 0 };

		g_test_message("%s", c->text);
		g_assert_cmpint(rv_insn_decode(c->insn, &d), ==, 0);
		g_assert_cmpuint(d.len, ==, c->want.len);
		g_assert_cmpint(d.store, ==, c->want.store);
		g_assert_cmpuint(d.width, ==, c->want.width);
		if (!d.store && d.width < 8)
			g_assert_cmpint(d.sign, ==, c->want.sign);
		g_assert_cmpuint(d.reg, ==, c->want.reg);
		g_assert_cmpuint(rv_insn_len(c->insn & 0xffff), ==, c->want.len);
	}
}

/* Base register and offset of the address, for every form and the offsets' extreme bits. */
static void test_address(void)
{
	static const struct {
		const char *text;
		uint32_t insn;
		unsigned base;
		int32_t offset;
	} cases[] = {
		{ "lw a0,-2048(a1)", 0x8005a503, 11, -2048 },
		{ "sw a0,2047(a1)", 0x7ea5afa3, 11, 2047 },
		{ "sd t0,-1(s1)", 0xfe54bfa3, 9, -1 },
		{ "lbu a5,5(a4)", 0x00574783, 14, 5 },
		{ "sh t2,6(a3)", 0x00769323, 13, 6 },
		{ "lhu x31,0(x1)", 0x0000df83, 1, 0 },
		{ "c.lw a0,124(a1)", 0x5de8, 11, 124 },
		{ "c.lw a0,68(a1)", 0x41e8, 11, 68 },
		{ "c.ld a0,248(a1)", 0x7de8, 11, 248 },
		{ "c.ld a0,136(a1)", 0x65c8, 11, 136 },
		{ "c.sw a0,124(a1)", 0xdde8, 11, 124 },
		{ "c.sd a0,248(a1)", 0xfde8, 11, 248 },
		{ "c.sw a5,0(a3)", 0xc29c, 13, 0 },
		{ "c.lwsp a0,252(sp)", 0x557e, 2, 252 },
		{ "c.lwsp a0,36(sp)", 0x5512, 2, 36 },
		{ "c.ldsp a0,504(sp)", 0x757e, 2, 504 },
		{ "c.ldsp a0,72(sp)", 0x6526, 2, 72 },
		{ "c.swsp a0,252(sp)", 0xdfaa, 2, 252 },
		{ "c.swsp a0,196(sp)", 0xc3aa, 2, 196 },
		{ "c.sdsp a0,504(sp)", 0xffaa, 2, 504 },
		{ "c.sdsp a0,264(sp)", 0xe62a, 2, 264 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct rv_mmio_insn d = { 0 };

		g_test_message("%s", cases[i].text);
		g_assert_cmpint(rv_insn_decode(cases[i].insn, &d), ==, 0);
		g_assert_cmpuint(d.base, ==, cases[i].base);
		g_assert_cmpint(d.offset, ==, cases[i].offset);
	}
}

/*
 * htinst's transformed form: rs1 and the offset zeroed, bit 1 clear when the
 * original was compressed. The fault path decodes it with bit 1 set.
 */
static void test_transformed(void)
{
	struct rv_mmio_insn d;

	/* c.lw a5,8(a5) transformed: lw a5,0(x0) with bit 1 clear. */
	g_assert_cmpint(rv_insn_decode((0x00002783 & ~2U) | 2, &d), ==, 0);
	g_assert_true(!d.store && d.width == 4 && d.reg == 15);
	/* sd s1,0(x0) transformed from a 32-bit sd. */
	g_assert_cmpint(rv_insn_decode(0x00903023 | 2, &d), ==, 0);
	g_assert_true(d.store && d.width == 8 && d.reg == 9);
}

static void test_refused(void)
{
	static const struct {
		const char *text;
		uint32_t insn;
	} bad[] = {
		{ "load funct3 7", 0x00057503 },
		{ "store funct3 4", 0x00b54023 },
		{ "flw fa0,0(a0)", 0x00052507 },
		{ "fsd fa0,0(a0)", 0x00a53027 },
		{ "amoadd.w a0,a1,(a2)", 0x00b6252f },
		{ "lr.d a0,(a1)", 0x1005b52f },
		{ "addi a0,a0,1", 0x00150513 },
		{ "c.fld fa0,0(a0)", 0x2108 },
		{ "c.fsd fa0,0(a0)", 0xa108 },
		{ "c.lwsp zero (reserved)", 0x4002 },
		{ "c.ldsp zero (reserved)", 0x6002 },
		{ "c.unimp", 0x0000 },
		{ "c.addi a0,1", 0x0505 },
	};
	struct rv_mmio_insn d;

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_test_message("%s", bad[i].text);
		g_assert_cmpint(rv_insn_decode(bad[i].insn, &d), ==, -ENOTSUP);
	}
	/* A 16-bit instruction with garbage in the upper half is no instruction. */
	g_assert_cmpint(rv_insn_decode(0x1234479c, &d), ==, -EINVAL);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/rv-insn/loads-and-stores", test_ok);
	g_test_add_func("/rv-insn/address", test_address);
	g_test_add_func("/rv-insn/transformed", test_transformed);
	g_test_add_func("/rv-insn/refused", test_refused);
	return g_test_run();
}
