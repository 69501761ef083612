/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the MMIO decode cache's location check: a cached
 * instruction must miss once the guest changed a page-table entry its walk
 * used, even when the bytes at the new translation are the same, and hit
 * otherwise (Accessed/Dirty updates included); and the reduced MOV an exit
 * fast path applies must do what the emulator does.
 */
#include <arch/decode_cache.h>
#include <glib.h>
#include <hv/errno.h>
#include <string.h>

#define GMEM_SIZE (4u << 20)
#define P         BIT(0)
#define RW        BIT(1)
#define A         BIT(5)
#define D         BIT(6)
#define PS        BIT(7)
#define PRW       (P | RW)

#define CR0_PE    BIT(0)
#define GLA       0x00403123ULL /* the instruction's linear address (page offset 0x123) */
#define CODE_A    0x200000ULL   /* the page it is in */
#define CODE_B    0x210000ULL   /* another page holding the same bytes */

static uint8_t gmem[GMEM_SIZE] __attribute__((aligned(4096)));
static uint64_t next_pt;
static unsigned nr_hva_calls;
static const uint8_t insn_bytes[] = { 0x8B, 0x03 }; /* mov eax, [rbx] */

static const void *gmem_hva(void *opaque, uint64_t gpa, unsigned len)
{
	g_assert_true(opaque == gmem);
	nr_hva_calls++;
	if (gpa >= GMEM_SIZE || len > GMEM_SIZE - gpa)
		return NULL;
	return gmem + gpa;
}

static const void *no_hva(void *opaque, uint64_t gpa, unsigned len)
{
	(void)opaque;
	(void)gpa;
	(void)len;
	return NULL;
}

static uint64_t alloc_pt(void)
{
	uint64_t pa = next_pt;

	next_pt += 0x1000;
	g_assert_cmpuint(next_pt, <=, CODE_A);
	return pa;
}

static void set64(uint64_t gpa, uint64_t val)
{
	memcpy(gmem + gpa, &val, 8);
}

static uint64_t get64(uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, gmem + gpa, 8);
	return v;
}

static void set32(uint64_t gpa, uint32_t val)
{
	memcpy(gmem + gpa, &val, 4);
}

static void setup(void)
{
	memset(gmem, 0, sizeof(gmem));
	next_pt = 0x100000;
	memcpy(gmem + CODE_A + (GLA & 0xFFF), insn_bytes, sizeof(insn_bytes));
	memcpy(gmem + CODE_B + (GLA & 0xFFF), insn_bytes, sizeof(insn_bytes));
}

/* Index of gla at a level (0: the page table) for 9-bit levels. */
static uint64_t idx(uint64_t gla, unsigned level)
{
	return (gla >> (12 + 9 * level)) & 0x1FF;
}

/* Entry addresses of the 4-level walk of GLA to CODE_A, leaf first: ent[0] the PTE. */
static struct x86_paging_state map_4level(uint64_t ent[4])
{
	uint64_t tables[4];

	for (unsigned i = 0; i < 4; i++)
		tables[i] = alloc_pt();
	/* tables[3] is the PML4, tables[0] the page table. */
	for (unsigned l = 0; l < 4; l++) {
		ent[l] = tables[l] + 8 * idx(GLA, l);
		set64(ent[l], (l ? tables[l - 1] : CODE_A) | PRW);
	}
	return (struct x86_paging_state){ .cr0 = X86_CR0_PG | CR0_PE,
		                          .cr3 = tables[3],
		                          .cr4 = X86_CR4_PAE,
		                          .efer = X86_EFER_LME | X86_EFER_LMA };
}

static void set_insn(struct x86_decode_cache *c, const uint8_t *bytes, unsigned len)
{
	struct x86_insn insn = { .len = (uint8_t)len };

	x86_dcache_set_insn(c, bytes, &insn, 0);
	g_assert_cmpuint(c->insn.len, ==, len);
}

static void fill_ok(struct x86_decode_cache *c, const struct x86_paging_state *st)
{
	memset(c, 0, sizeof(*c));
	g_assert_cmpint(x86_dcache_fill_walk(c, st, GLA, sizeof(insn_bytes), gmem_hva, gmem), ==,
	                0);
	memcpy(c->bytes, insn_bytes, sizeof(insn_bytes));
	c->insn.len = sizeof(insn_bytes);
}

static void test_long_mode_leaf(void)
{
	struct x86_decode_cache c;
	uint64_t ent[4];
	struct x86_paging_state st;

	setup();
	st = map_4level(ent);
	fill_ok(&c, &st);
	g_assert_cmpuint(c.walk_n, ==, 4);
	g_assert_true(c.walk_wide);
	g_assert_cmphex(c.gpa, ==, CODE_A + (GLA & 0xFFF));
	g_assert_cmphex(c.gla, ==, GLA);
	g_assert_cmphex(c.cr3, ==, st.cr3);
	g_assert_true(x86_dcache_walk_same(&c));

	/* The CPU setting Accessed and Dirty changes no translation: still a hit. */
	set64(ent[0], get64(ent[0]) | A | D);
	set64(ent[3], get64(ent[3]) | A);
	g_assert_true(x86_dcache_walk_same(&c));

	/* The PTE now maps another page with the very same bytes: a miss, not a stale hit. */
	set64(ent[0], CODE_B | PRW);
	g_assert_false(x86_dcache_walk_same(&c));
	set64(ent[0], CODE_A | PRW);
	g_assert_true(x86_dcache_walk_same(&c));

	/* Permissions count too: a PTE made not present misses. */
	set64(ent[0], CODE_A);
	g_assert_false(x86_dcache_walk_same(&c));
}

static void test_long_mode_upper(void)
{
	struct x86_decode_cache c;
	uint64_t ent[4], copy;
	struct x86_paging_state st;

	setup();
	st = map_4level(ent);
	fill_ok(&c, &st);
	/*
	 * The PML4 entry moves to a copy of the whole lower hierarchy whose
	 * leaf maps CODE_B: same bytes at the same linear address, other page.
	 */
	copy = alloc_pt();
	memcpy(gmem + copy, gmem + (get64(ent[2]) & ~0xFFFULL), 0x1000); /* PDPT copy */
	{
		uint64_t pd = alloc_pt(), pt = alloc_pt();

		memcpy(gmem + pd, gmem + (get64(ent[1]) & ~0xFFFULL), 0x1000);
		memcpy(gmem + pt, gmem + (ent[0] & ~0xFFFULL), 0x1000);
		set64(pt + 8 * idx(GLA, 0), CODE_B | PRW);
		set64(pd + 8 * idx(GLA, 1), pt | PRW);
		set64(copy + 8 * idx(GLA, 2), pd | PRW);
	}
	set64(ent[3], copy | PRW);
	g_assert_false(x86_dcache_walk_same(&c));
	/* Filled again, the entry follows the new walk. */
	fill_ok(&c, &st);
	g_assert_cmphex(c.gpa, ==, CODE_B + (GLA & 0xFFF));
	g_assert_true(x86_dcache_walk_same(&c));
}

static void test_large_page_and_bytes(void)
{
	struct x86_decode_cache c;
	uint64_t ent[4];
	struct x86_paging_state st;

	setup();
	st = map_4level(ent);
	/* A 2 MiB page at the PDE: three entries, the PDE being the leaf. */
	set64(ent[1], 0x200000 | PRW | PS);
	fill_ok(&c, &st);
	g_assert_cmpuint(c.walk_n, ==, 3);
	g_assert_cmphex(c.gpa, ==, 0x200000 + (GLA & 0x1FFFFF));
	memcpy(gmem + c.gpa, insn_bytes, sizeof(insn_bytes));
	g_assert_true(x86_dcache_walk_same(&c));
	/* Rewritten code misses too. */
	gmem[c.gpa + 1] ^= 0xFF;
	g_assert_false(x86_dcache_walk_same(&c));
}

static void test_32bit_paging(void)
{
	struct x86_decode_cache c;
	struct x86_paging_state st;
	uint64_t pd, pt;

	setup();
	pd = alloc_pt();
	pt = alloc_pt();
	set32(pd + 4 * ((GLA >> 22) & 0x3FF), (uint32_t)(pt | PRW));
	set32(pt + 4 * ((GLA >> 12) & 0x3FF), (uint32_t)(CODE_A | PRW));
	st = (struct x86_paging_state){ .cr0 = X86_CR0_PG | CR0_PE, .cr3 = pd };
	fill_ok(&c, &st);
	g_assert_cmpuint(c.walk_n, ==, 2);
	g_assert_false(c.walk_wide);
	g_assert_true(x86_dcache_walk_same(&c));
	/* The 4-byte entry next to the PTE is not the cache's business. */
	set32(pt + 4 * ((GLA >> 12) & 0x3FF) + 4, 0xDEAD0000u | P);
	g_assert_true(x86_dcache_walk_same(&c));
	set32(pt + 4 * ((GLA >> 12) & 0x3FF), (uint32_t)(CODE_B | PRW));
	g_assert_false(x86_dcache_walk_same(&c));
}

static void test_paging_off(void)
{
	struct x86_decode_cache c;
	struct x86_paging_state st = { .cr0 = CR0_PE };
	uint64_t gla = CODE_A + (GLA & 0xFFF);

	setup();
	memset(&c, 0, sizeof(c));
	g_assert_cmpint(x86_dcache_fill_walk(&c, &st, gla, 2, gmem_hva, gmem), ==, 0);
	set_insn(&c, insn_bytes, sizeof(insn_bytes));
	g_assert_cmpuint(c.walk_n, ==, 0);
	g_assert_cmphex(c.gpa, ==, gla);
	g_assert_true(x86_dcache_walk_same(&c));
	gmem[gla] = 0x89;
	g_assert_false(x86_dcache_walk_same(&c));
}

/* Instructions the one-word compare cannot take: longer than 8 bytes, or at a page's end. */
static void test_byte_loop(void)
{
	static const uint8_t long_insn[10] = { 0x48, 0xC7, 0x04, 0x25, 0x00,
		                               0x10, 0x00, 0x00, 0x78, 0x56 };
	struct x86_paging_state st = { .cr0 = CR0_PE };
	struct x86_decode_cache c;
	uint64_t gla = CODE_A + 0x100, end = CODE_A + 0xFFE;

	setup();
	memcpy(gmem + gla, long_insn, sizeof(long_insn));
	memset(&c, 0, sizeof(c));
	g_assert_cmpint(x86_dcache_fill_walk(&c, &st, gla, sizeof(long_insn), gmem_hva, gmem), ==,
	                0);
	set_insn(&c, long_insn, sizeof(long_insn));
	g_assert_cmphex(c.head_mask, ==, 0);
	g_assert_true(x86_dcache_walk_same(&c));
	gmem[gla + 9] ^= 1; /* the last byte, past the first eight */
	g_assert_false(x86_dcache_walk_same(&c));

	memcpy(gmem + end, insn_bytes, sizeof(insn_bytes));
	g_assert_cmpint(x86_dcache_fill_walk(&c, &st, end, 2, gmem_hva, gmem), ==, 0);
	set_insn(&c, insn_bytes, sizeof(insn_bytes));
	g_assert_cmphex(c.head_mask, ==, 0);
	g_assert_true(x86_dcache_walk_same(&c));
	gmem[end + 1] ^= 1;
	g_assert_false(x86_dcache_walk_same(&c));

	/* Short and inside the page: one word, only the instruction's bytes count. */
	gmem[end + 1] ^= 1;
	memcpy(gmem + gla, insn_bytes, sizeof(insn_bytes));
	g_assert_cmpint(x86_dcache_fill_walk(&c, &st, gla, 2, gmem_hva, gmem), ==, 0);
	set_insn(&c, insn_bytes, sizeof(insn_bytes));
	g_assert_cmphex(c.head_mask, ==, 0xFFFF);
	gmem[gla + 2] ^= 0xFF;
	g_assert_true(x86_dcache_walk_same(&c));
	gmem[gla] ^= 0x01;
	g_assert_false(x86_dcache_walk_same(&c));
}

static void test_fill_fails(void)
{
	struct x86_decode_cache c;
	uint64_t ent[4];
	struct x86_paging_state st;

	setup();
	st = map_4level(ent);
	/* No stable host pointers (not the fixed RAM block): nothing is cached. */
	memset(&c, 0, sizeof(c));
	c.insn.len = 2;
	g_assert_cmpint(x86_dcache_fill_walk(&c, &st, GLA, 2, no_hva, gmem), !=, 0);
	g_assert_cmpuint(c.insn.len, ==, 0);
	/* A not-present translation: the walker's #PF error, nothing cached. */
	set64(ent[1], 0);
	nr_hva_calls = 0;
	g_assert_cmpint(x86_dcache_fill_walk(&c, &st, GLA, 2, gmem_hva, gmem), ==, -EFAULT);
	g_assert_cmpuint(c.insn.len, ==, 0);
	g_assert_cmpuint(c.walk_n, ==, 0);
	g_assert_cmpuint(nr_hva_calls, ==, 3); /* PML4E, PDPTE, PDE */
}

/* ---- the reduced MOV (x86_dcache_mov) against the emulator ---- */

struct fake_dev {
	uint64_t read_val;
	uint64_t written;
	unsigned nr_writes;
};

static int dev_read(void *opaque, uint64_t gpa, unsigned size, uint64_t *val)
{
	(void)gpa;
	(void)size;
	*val = ((struct fake_dev *)opaque)->read_val;
	return 0;
}

static int dev_write(void *opaque, uint64_t gpa, unsigned size, uint64_t val)
{
	struct fake_dev *d = opaque;

	(void)gpa;
	(void)size;
	d->written = val;
	d->nr_writes++;
	return 0;
}

struct mov_case {
	uint8_t mode;
	uint8_t len;
	uint8_t bytes[15];
	uint8_t kind; /* expected x86_dcache_mov_kind */
};

/*
 * Every MOV form a fast path may take, in each mode, must leave registers,
 * RIP and the device exactly as the emulator does; other instructions and
 * MOVs of RSP must not be taken.
 */
static void test_mov_forms(void)
{
	static const struct mov_case cases[] = {
		{ X86_MODE_PROT32, 2, { 0x8B, 0x03 }, X86_DCACHE_MOV_LOAD }, /* mov eax,[ebx] */
		{ X86_MODE_PROT32,
		  3,
		  { 0x66, 0x8B, 0x0B },
		  X86_DCACHE_MOV_LOAD },                                      /* mov cx,[ebx] */
		{ X86_MODE_PROT32, 2, { 0x8A, 0x23 }, X86_DCACHE_MOV_LOAD },  /* mov ah,[ebx] */
		{ X86_MODE_PROT32, 2, { 0x8A, 0x13 }, X86_DCACHE_MOV_LOAD },  /* mov dl,[ebx] */
		{ X86_MODE_PROT32, 2, { 0x89, 0x33 }, X86_DCACHE_MOV_STORE }, /* mov [ebx],esi */
		{ X86_MODE_PROT32, 2, { 0x88, 0x3B }, X86_DCACHE_MOV_STORE }, /* mov [ebx],bh */
		{ X86_MODE_PROT32,
		  6,
		  { 0xC7, 0x03, 0x78, 0x56, 0x34, 0x12 },
		  X86_DCACHE_MOV_STORE_IMM },
		{ X86_MODE_PROT32, 3, { 0xC6, 0x03, 0xA5 }, X86_DCACHE_MOV_STORE_IMM },
		{ X86_MODE_PROT32,
		  5,
		  { 0xA1, 0x00, 0x10, 0x00, 0x00 },
		  X86_DCACHE_MOV_LOAD },                                     /* moffs */
		{ X86_MODE_PROT32, 2, { 0x8B, 0x23 }, X86_DCACHE_MOV_NONE }, /* mov esp,[ebx] */
		{ X86_MODE_PROT32, 2, { 0x89, 0x23 }, X86_DCACHE_MOV_NONE }, /* mov [ebx],esp */
		{ X86_MODE_PROT32, 3, { 0x0F, 0xB6, 0x03 }, X86_DCACHE_MOV_NONE }, /* movzx */
		{ X86_MODE_PROT32, 2, { 0x85, 0x03 }, X86_DCACHE_MOV_NONE },       /* test */
		{ X86_MODE_LONG64,
		  3,
		  { 0x48, 0x8B, 0x03 },
		  X86_DCACHE_MOV_LOAD }, /* mov rax,[rbx] */
		{ X86_MODE_LONG64,
		  3,
		  { 0x4C, 0x8B, 0x3B },
		  X86_DCACHE_MOV_LOAD },                                     /* mov r15,[rbx] */
		{ X86_MODE_LONG64, 2, { 0x8B, 0x2B }, X86_DCACHE_MOV_LOAD }, /* mov ebp,[rbx] */
		{ X86_MODE_LONG64,
		  3,
		  { 0x40, 0x8A, 0x33 },
		  X86_DCACHE_MOV_LOAD }, /* mov sil,[rbx] */
		{ X86_MODE_LONG64,
		  3,
		  { 0x4C, 0x89, 0x23 },
		  X86_DCACHE_MOV_STORE }, /* mov [rbx],r12 */
		{ X86_MODE_LONG64,
		  7,
		  { 0x48, 0xC7, 0x03, 0xF0, 0xFF, 0xFF, 0xFF },
		  X86_DCACHE_MOV_STORE_IMM }, /* mov qword [rbx],-16 */
		{ X86_MODE_LONG64,
		  3,
		  { 0x48, 0x8B, 0x23 },
		  X86_DCACHE_MOV_NONE },                                     /* mov rsp,[rbx] */
		{ X86_MODE_REAL16, 2, { 0x8B, 0x07 }, X86_DCACHE_MOV_LOAD }, /* mov ax,[bx] */
		{ X86_MODE_PROT16,
		  3,
		  { 0x66, 0x89, 0x07 },
		  X86_DCACHE_MOV_STORE }, /* mov [bx],eax */
	};
	/* RIPs near each mode's wrap point too. */
	static const uint64_t rips[] = { 0x1000, 0xFFFE, 0xFFFFFFFE, 0x7FFFFFFFFFFE };
	struct fake_dev dev;
	/* MOV touches no ordinary guest memory: the other hooks stay unset. */
	struct x86_emul_ops ops = { .mmio_read = dev_read, .mmio_write = dev_write };
	GRand *rnd = g_rand_new_with_seed(7);

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		const struct mov_case *t = &cases[i];
		struct x86_decode_cache c;
		struct x86_insn in;

		memset(&c, 0, sizeof(c));
		g_assert_cmpint(x86_insn_decode(t->bytes, t->len, t->mode, &in), ==, 0);
		g_assert_cmpuint(in.len, ==, t->len);
		x86_dcache_set_insn(&c, t->bytes, &in, 0);
		g_assert_cmpuint(c.mov.kind, ==, t->kind);
		g_assert_cmpint(c.mov.callee_saved, ==,
		                t->kind != X86_DCACHE_MOV_STORE_IMM &&
		                        t->kind != X86_DCACHE_MOV_NONE &&
		                        ((X86_CALLEE_SAVED_GPRS >> in.reg) & 1));
		if (t->kind == X86_DCACHE_MOV_NONE)
			continue;
		for (size_t j = 0; j < G_N_ELEMENTS(rips) * 8; j++) {
			struct x86_regs emu, fast, cpu;

			for (unsigned r = 0; r < 16; r++)
				emu.gpr[r] = ((uint64_t)g_rand_int(rnd) << 32) | g_rand_int(rnd);
			emu.rip = rips[j % G_N_ELEMENTS(rips)];
			emu.rflags = 0x2;
			fast = emu;
			cpu = emu;
			/*
			 * Without callee_saved the VMX exit stub leaves RBX, RBP and
			 * R12-R15 in the CPU: their slots hold stale values while the
			 * MOV is applied, and the CPU's (untouched) values count after.
			 */
			if (!c.mov.callee_saved)
				for (unsigned r = 0; r < 16; r++)
					if ((X86_CALLEE_SAVED_GPRS >> r) & 1)
						fast.gpr[r] = 0xBAD0BAD0BAD0BAD0ULL;
			memset(&dev, 0, sizeof(dev));
			dev.read_val =
			        (((uint64_t)g_rand_int(rnd) << 32) | g_rand_int(rnd)) & c.mov.ones;
			g_assert_cmpint(x86_insn_emulate_decoded(&in, &emu, 0xFED00000, &ops, &dev),
			                ==, 0);
			if (c.mov.kind == X86_DCACHE_MOV_LOAD) {
				fast.gpr[c.mov.reg] = x86_dcache_mov_loaded(
				        &c.mov, fast.gpr[c.mov.reg], dev.read_val);
			} else {
				g_assert_cmpuint(dev.nr_writes, ==, 1);
				g_assert_cmphex(x86_dcache_mov_store_val(&c, fast.gpr), ==,
				                dev.written);
			}
			if (!c.mov.callee_saved)
				for (unsigned r = 0; r < 16; r++)
					if ((X86_CALLEE_SAVED_GPRS >> r) & 1)
						fast.gpr[r] = cpu.gpr[r];
			fast.rip = x86_dcache_next_rip(&c, fast.rip);
			g_assert_cmpmem(&fast, sizeof(fast), &emu, sizeof(emu));
		}
	}
	g_rand_free(rnd);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/decode-cache/long-mode-leaf-pte", test_long_mode_leaf);
	g_test_add_func("/decode-cache/long-mode-upper-entry", test_long_mode_upper);
	g_test_add_func("/decode-cache/large-page-and-bytes", test_large_page_and_bytes);
	g_test_add_func("/decode-cache/32bit-paging", test_32bit_paging);
	g_test_add_func("/decode-cache/paging-off", test_paging_off);
	g_test_add_func("/decode-cache/byte-loop", test_byte_loop);
	g_test_add_func("/decode-cache/fill-fails", test_fill_fails);
	g_test_add_func("/decode-cache/mov-forms", test_mov_forms);
	return g_test_run();
}
