/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the guest page-table walker: small page tables are built in
 * a host buffer standing for guest-physical memory, for each paging mode.
 */
#include <arch/guest_walk.h>
#include <glib.h>
#include <hv/errno.h>
#include <string.h>

#define GMEM_SIZE (4u << 20)
#define PT_BASE   0x100000u /* page tables are allocated from here */

#define P         BIT(0)
#define RW        BIT(1)
#define US        BIT(2)
#define A         BIT(5)
#define D         BIT(6)
#define PS        BIT(7)
#define NX        BIT(63)
#define PRW       (P | RW)
#define ALL       (P | RW | US)

#define ADDR64    0x000ffffffffff000ULL

#define W_        X86_ACCESS_WRITE
#define U_        X86_ACCESS_USER
#define X_        X86_ACCESS_FETCH

static uint8_t gmem[GMEM_SIZE];
static uint64_t next_pt;
static unsigned cx_calls;
static unsigned cx_fail; /* report this many cmpxchg calls as -EAGAIN */

static int mem_read(void *opaque, uint64_t gpa, void *buf, unsigned len)
{
	g_assert_true(opaque == gmem);
	if (gpa >= GMEM_SIZE || len > GMEM_SIZE - gpa)
		return -EFAULT;
	memcpy(buf, gmem + gpa, len);
	return 0;
}

static int mem_cmpxchg(void *opaque, uint64_t gpa, unsigned size, uint64_t old, uint64_t new)
{
	uint64_t cur = 0;

	g_assert_true(opaque == gmem);
	g_assert_true(size == 4 || size == 8);
	g_assert_cmpuint(gpa + size, <=, GMEM_SIZE);
	cx_calls++;
	if (cx_fail) {
		cx_fail--;
		return -EAGAIN;
	}
	memcpy(&cur, gmem + gpa, size);
	if (cur != old)
		return -EAGAIN;
	memcpy(gmem + gpa, &new, size);
	return 0;
}

static const struct x86_guest_mem mem = { .read_gpa = mem_read, .opaque = gmem };
static const struct x86_guest_mem mem_ad = {
	.read_gpa = mem_read,
	.cmpxchg_gpa = mem_cmpxchg,
	.opaque = gmem,
};

static void gmem_reset(void)
{
	memset(gmem, 0, sizeof(gmem));
	next_pt = PT_BASE;
	cx_calls = 0;
	cx_fail = 0;
}

static uint64_t alloc_pt(void)
{
	uint64_t p = next_pt;

	next_pt += 4096;
	g_assert_cmpuint(next_pt, <=, GMEM_SIZE);
	return p;
}

static uint64_t get64(uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, gmem + gpa, 8);
	return v;
}

static void put64(uint64_t gpa, uint64_t v)
{
	memcpy(gmem + gpa, &v, 8);
}

static uint32_t get32(uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, gmem + gpa, 4);
	return v;
}

static void put32(uint64_t gpa, uint32_t v)
{
	memcpy(gmem + gpa, &v, 4);
}

/*
 * Gpa of the 8-byte entry for `gla` at `level` (top = levels), creating the
 * tables above it with `tflags`. pae: a 3-level PAE walk, whose PDPTEs only
 * take P.
 */
static uint64_t slot64(uint64_t root, unsigned levels, bool pae, uint64_t gla, unsigned level,
                       uint64_t tflags)
{
	uint64_t table = root;

	for (unsigned l = levels; l > level; l--) {
		uint64_t egpa = table + ((gla >> (12 + 9 * (l - 1))) & 511) * 8;
		uint64_t e = get64(egpa);

		if (!(e & P)) {
			e = alloc_pt() | ((pae && l == 3) ? P : tflags);
			put64(egpa, e);
		}
		table = e & ADDR64;
	}
	return table + ((gla >> (12 + 9 * (level - 1))) & 511) * 8;
}

static void map64(uint64_t root, unsigned levels, bool pae, uint64_t gla, uint64_t gpa,
                  unsigned level, uint64_t flags)
{
	put64(slot64(root, levels, pae, gla, level, ALL), gpa | flags | (level > 1 ? PS : 0));
}

/* 32-bit paging: 4 KiB page, creating the page table. */
static void map32(uint64_t cr3, uint32_t gla, uint32_t gpa, uint32_t flags, uint32_t pde_flags)
{
	uint64_t pde = cr3 + (gla >> 22) * 4;
	uint32_t e = get32(pde);

	if (!(e & P)) {
		e = (uint32_t)alloc_pt() | pde_flags;
		put32(pde, e);
	}
	put32((e & 0xfffff000u) + ((gla >> 12) & 1023) * 4, gpa | flags);
}

static void expect_ok(const struct x86_paging_state *st, uint64_t gla, unsigned access,
                      uint64_t want)
{
	uint64_t gpa = 0xdead;
	uint32_t err = 0xdead;

	g_assert_cmpint(x86_guest_walk(st, gla, access, &mem, &gpa, &err), ==, 0);
	g_assert_cmphex(gpa, ==, want);
	g_assert_cmphex(err, ==, 0);
}

static void expect_pf(const struct x86_paging_state *st, uint64_t gla, unsigned access,
                      uint32_t want_err)
{
	uint64_t gpa = 0xdead;
	uint32_t err = 0xdead;

	g_assert_cmpint(x86_guest_walk(st, gla, access, &mem, &gpa, &err), ==, -EFAULT);
	g_assert_cmphex(err, ==, want_err);
}

static void test_paging_off(void)
{
	struct x86_paging_state st = { .cr0 = 0x11 };

	gmem_reset();
	expect_ok(&st, 0x12345678, 0, 0x12345678);
	expect_ok(&st, 0x12345678, W_ | U_ | X_, 0x12345678);
	/* Linear addresses are 32 bits without paging. */
	expect_ok(&st, 0x123456789, 0, 0x23456789);
}

static void test_32bit(void)
{
	struct x86_paging_state st = { .cr0 = X86_CR0_PG, .cr3 = 0 };
	uint64_t cr3;

	gmem_reset();
	cr3 = alloc_pt();
	st.cr3 = cr3 | 0x18; /* PCD/PWT: ignored */
	map32(cr3, 0x00401000, 0x00123000, ALL, ALL);
	map32(cr3, 0x00402000, 0x00777000, P | US, ALL); /* read-only */
	map32(cr3, 0x00403000, 0x00888000, PRW, ALL);    /* supervisor */
	map32(cr3, 0x00800000, 0x00999000, ALL, P | US); /* read-only PDE */

	expect_ok(&st, 0x00401234, 0, 0x00123234);
	expect_ok(&st, 0x00401fff, W_ | U_, 0x00123fff);
	expect_ok(&st, 0x00401000, X_, 0x00123000);
	/* Upper 32 bits of the linear address are dropped. */
	expect_ok(&st, 0x100401234, 0, 0x00123234);

	/* Not present: PDE, then PTE. P = 0; only W/U reported. */
	expect_pf(&st, 0x80000000, 0, 0);
	expect_pf(&st, 0x80000000, W_ | U_, X86_PF_W | X86_PF_U);
	expect_pf(&st, 0x00404000, W_, X86_PF_W);
	/* No NX without PAE: fetches never report I/D (no SMEP). */
	st.efer = X86_EFER_NXE;
	expect_pf(&st, 0x00404000, X_, 0);
	st.efer = 0;

	/* Read-only: supervisor writes only fault with CR0.WP. */
	expect_ok(&st, 0x00402010, W_, 0x00777010);
	expect_ok(&st, 0x00402010, U_, 0x00777010);
	expect_pf(&st, 0x00402010, W_ | U_, X86_PF_P | X86_PF_W | X86_PF_U);
	st.cr0 |= X86_CR0_WP;
	expect_pf(&st, 0x00402010, W_, X86_PF_P | X86_PF_W);
	/* The PDE's RW = 0 applies to the whole 4 MiB. */
	expect_pf(&st, 0x00800000, W_, X86_PF_P | X86_PF_W);
	expect_ok(&st, 0x00800000, U_, 0x00999000);
	st.cr0 &= ~X86_CR0_WP;

	/* Supervisor page. */
	expect_ok(&st, 0x00403000, W_, 0x00888000);
	expect_pf(&st, 0x00403000, U_, X86_PF_P | X86_PF_U);
	expect_pf(&st, 0x00403000, X_ | U_, X86_PF_P | X86_PF_U);

	/* SMEP: supervisor fetch from a user page, I/D reported. */
	st.cr4 = X86_CR4_SMEP;
	expect_pf(&st, 0x00401000, X_, X86_PF_P | X86_PF_ID);
	expect_ok(&st, 0x00403000, X_, 0x00888000);
	expect_ok(&st, 0x00401000, X_ | U_, 0x00123000);
}

static void test_32bit_pse(void)
{
	struct x86_paging_state st = { .cr0 = X86_CR0_PG, .cr4 = X86_CR4_PSE };
	uint64_t cr3, pt;

	gmem_reset();
	cr3 = alloc_pt();
	st.cr3 = cr3;
	/* 4 MiB page at gla 0xc0000000 -> gpa 0x00c00000. */
	put32(cr3 + (0xc0000000u >> 22) * 4, 0x00c00000u | PS | ALL);
	expect_ok(&st, 0xc0123456, 0, 0x00d23456);
	expect_ok(&st, 0xc03fffff, W_ | U_, 0x00ffffff);

	/* PSE-36: PDE bits 20:13 are address bits 39:32. */
	put32(cr3 + (0xc0400000u >> 22) * 4, 0x00400000u | (0x3u << 13) | PS | PRW);
	expect_ok(&st, 0xc0400010, 0, 0x300400010ULL);
	/* A MAXPHYADDR of 36 leaves bits 16:13 as address bits, makes 20:17 reserved. */
	st.maxphyaddr = 36;
	expect_ok(&st, 0xc0400010, 0, 0x300400010ULL);
	st.maxphyaddr = 0;
	put32(cr3 + (0xc0400000u >> 22) * 4, 0x00400000u | (0x80u << 13) | PS | PRW);
	st.maxphyaddr = 36;
	expect_pf(&st, 0xc0400010, 0, X86_PF_P | X86_PF_RSVD);
	st.maxphyaddr = 0;

	/* Bit 21 is always reserved in a 4 MiB PDE. */
	put32(cr3 + (0xc0800000u >> 22) * 4, 0x00800000u | BIT(21) | PS | PRW);
	expect_pf(&st, 0xc0800000, W_, X86_PF_P | X86_PF_W | X86_PF_RSVD);

	/* Without CR4.PSE, PS is ignored: the PDE points to a page table. */
	pt = alloc_pt();
	put32(cr3 + (0x40000000u >> 22) * 4, (uint32_t)pt | PS | ALL);
	put32(pt + 5 * 4, 0x00555000u | ALL);
	st.cr4 = 0;
	expect_ok(&st, 0x40005abc, 0, 0x00555abc);
	expect_pf(&st, 0x40006000, 0, 0);
	/* With it the same PDE maps 4 MiB, its bits 20:13 being address bits 39:32. */
	st.cr4 = X86_CR4_PSE;
	expect_ok(&st, 0x40005abc, 0, (((pt >> 13) & 0xff) << 32) | (pt & 0xffc00000u) | 0x5abc);
}

static void test_pae(void)
{
	struct x86_paging_state st = { .cr0 = X86_CR0_PG | X86_CR0_WP, .cr4 = X86_CR4_PAE };
	uint64_t pdpt, pdpte;

	gmem_reset();
	/* The PDPT only needs 32-byte alignment. */
	pdpt = alloc_pt() + 0x20;
	st.cr3 = pdpt;
	map64(pdpt, 3, true, 0x00401000, 0x00123000, 1, ALL);
	map64(pdpt, 3, true, 0xc0000000, 0x40000000, 2, PRW); /* 2 MiB */
	map64(pdpt, 3, true, 0x80000000, 0x12345000, 1, ALL | NX);

	expect_ok(&st, 0x00401234, W_ | U_, 0x00123234);
	expect_ok(&st, 0xc01fffff, W_, 0x401fffff);
	expect_ok(&st, 0xc0012345, X_, 0x40012345);
	expect_pf(&st, 0xc0012345, U_, X86_PF_P | X86_PF_U);

	/* PDPTE not present. */
	expect_pf(&st, 0x40000000, W_, X86_PF_W);

	/* NX is reserved until EFER.NXE, then forbids fetches (I/D reported). */
	expect_pf(&st, 0x80000000, 0, X86_PF_P | X86_PF_RSVD);
	st.efer = X86_EFER_NXE;
	expect_ok(&st, 0x80000000, 0, 0x12345000);
	expect_pf(&st, 0x80000000, X_, X86_PF_P | X86_PF_ID);
	expect_pf(&st, 0x80000000, X_ | U_, X86_PF_P | X86_PF_U | X86_PF_ID);
	/* Not-present fetch faults report I/D with NXE too. */
	expect_pf(&st, 0x40000000, X_, X86_PF_ID);

	/* 2 MiB page: bits 20:13 reserved. */
	map64(pdpt, 3, true, 0xc0200000, 0x40200000 | BIT(13), 2, PRW);
	expect_pf(&st, 0xc0200000, 0, X86_PF_P | X86_PF_RSVD);
	/* Legacy PAE reserves bits 62:52 too. */
	map64(pdpt, 3, true, 0x00402000, 0x00124000 | BIT(52), 1, ALL);
	expect_pf(&st, 0x00402000, 0, X86_PF_P | X86_PF_RSVD);
	/* Addresses above MAXPHYADDR. */
	map64(pdpt, 3, true, 0x00403000, 0x10000000000ULL, 1, ALL);
	expect_ok(&st, 0x00403000, 0, 0x10000000000ULL);
	st.maxphyaddr = 40;
	expect_pf(&st, 0x00403000, 0, X86_PF_P | X86_PF_RSVD);
	st.maxphyaddr = 0;

	/* PDPTE: RW/US/NX are reserved there. */
	pdpte = pdpt + (0x00401000 >> 30) * 8;
	put64(pdpte, get64(pdpte) | RW);
	expect_pf(&st, 0x00401000, 0, X86_PF_P | X86_PF_RSVD);
	put64(pdpte, (get64(pdpte) & ~RW) | NX);
	expect_pf(&st, 0x00401000, 0, X86_PF_P | X86_PF_RSVD);
	put64(pdpte, get64(pdpte) & ~NX);
	expect_ok(&st, 0x00401234, W_ | U_, 0x00123234);
}

static void test_long4(void)
{
	struct x86_paging_state st = {
		.cr0 = X86_CR0_PG | X86_CR0_WP,
		.cr4 = X86_CR4_PAE,
		.efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE,
	};
	uint64_t pml4, e;

	gmem_reset();
	pml4 = alloc_pt();
	st.cr3 = pml4 | 0x123; /* PCID bits: ignored */
	map64(pml4, 4, false, 0x0000000000401000, 0x00123000, 1, ALL);
	map64(pml4, 4, false, 0xffff800000200000, 0x00200000, 2, PRW);     /* 2 MiB */
	map64(pml4, 4, false, 0xffffffff80000000, 0x1c0000000ULL, 3, PRW); /* 1 GiB */
	map64(pml4, 4, false, 0x00007fffffffe000, 0x00321000, 1, ALL | NX);
	map64(pml4, 4, false, 0x0000000000600000, 0x00333000, 1, ALL | (0x7fULL << 52));

	expect_ok(&st, 0x401abc, W_ | U_ | X_, 0x123abc);
	expect_ok(&st, 0xffff8000002fffff, W_, 0x002fffff);
	expect_ok(&st, 0xffffffff80123456, X_, 0x1c0123456ULL);
	expect_ok(&st, 0xffffffffbfffffff, 0, 0x1ffffffffULL);
	expect_pf(&st, 0xffffffff80123456, U_, X86_PF_P | X86_PF_U);
	expect_ok(&st, 0x7fffffffe008, W_ | U_, 0x321008);
	expect_pf(&st, 0x7fffffffe008, X_ | U_, X86_PF_P | X86_PF_U | X86_PF_ID);
	/* Bits 62:52 are free for software in long mode. */
	expect_ok(&st, 0x600000, 0, 0x333000);

	/* Non-canonical: #GP, not #PF. */
	{
		uint64_t gpa;
		uint32_t err;

		g_assert_cmpint(x86_guest_walk(&st, 0x0000800000000000, 0, &mem, &gpa, &err), ==,
		                -EINVAL);
		g_assert_cmpint(x86_guest_walk(&st, 0xfff0000000000000, 0, &mem, &gpa, &err), ==,
		                -EINVAL);
	}

	/* Not present at each level. */
	expect_pf(&st, 0x0000008000000000, 0, 0);          /* PML4E */
	expect_pf(&st, 0x0000000040000000, W_, X86_PF_W);  /* PDPTE */
	expect_pf(&st, 0x0000000000800000, U_, X86_PF_U);  /* PDE */
	expect_pf(&st, 0x0000000000402000, X_, X86_PF_ID); /* PTE */

	/* RW and US are ANDed, NX ORed, over the levels. */
	e = slot64(pml4, 4, false, 0x401000, 4, ALL);
	put64(e, get64(e) & ~RW);
	expect_pf(&st, 0x401000, W_, X86_PF_P | X86_PF_W);
	expect_ok(&st, 0x401000, U_, 0x123000);
	put64(e, get64(e) | RW | NX);
	expect_pf(&st, 0x401000, X_, X86_PF_P | X86_PF_ID);
	put64(e, get64(e) & ~NX);
	e = slot64(pml4, 4, false, 0x401000, 2, ALL);
	put64(e, get64(e) & ~US);
	expect_pf(&st, 0x401000, U_, X86_PF_P | X86_PF_U);
	put64(e, get64(e) | US);

	/* Without NXE the NX bit is reserved. */
	st.efer &= ~X86_EFER_NXE;
	expect_pf(&st, 0x7fffffffe008, 0, X86_PF_P | X86_PF_RSVD);
	expect_pf(&st, 0x402000, X_, 0); /* and I/D is not reported */
	st.efer |= X86_EFER_NXE;

	/* PS in a PML4E is reserved; so are 1 GiB bits 29:13. */
	e = slot64(pml4, 4, false, 0x401000, 4, ALL);
	put64(e, get64(e) | PS);
	expect_pf(&st, 0x401000, 0, X86_PF_P | X86_PF_RSVD);
	put64(e, get64(e) & ~PS);
	map64(pml4, 4, false, 0x0000004000000000, 0x40000000 | BIT(20), 3, PRW);
	expect_pf(&st, 0x0000004000000000, W_, X86_PF_P | X86_PF_W | X86_PF_RSVD);

	/* MAXPHYADDR: bit 45 is an address bit at 52, reserved at 40. */
	map64(pml4, 4, false, 0x403000, BIT(45) | 0x5000, 1, ALL);
	expect_ok(&st, 0x403004, 0, BIT(45) | 0x5004);
	st.maxphyaddr = 40;
	expect_pf(&st, 0x403004, 0, X86_PF_P | X86_PF_RSVD);
	expect_ok(&st, 0x401abc, 0, 0x123abc);

	/* Long mode is also recognised from LME + PG + PAE alone. */
	st.maxphyaddr = 0;
	st.efer = X86_EFER_LME | X86_EFER_NXE;
	expect_ok(&st, 0xffffffff80123456, 0, 0x1c0123456ULL);
}

static void test_smap(void)
{
	struct x86_paging_state st = {
		.cr0 = X86_CR0_PG,
		.cr4 = X86_CR4_PAE | X86_CR4_SMAP,
		.efer = X86_EFER_LMA | X86_EFER_NXE,
	};
	uint64_t pml4;

	gmem_reset();
	pml4 = alloc_pt();
	st.cr3 = pml4;
	map64(pml4, 4, false, 0x401000, 0x123000, 1, ALL);
	map64(pml4, 4, false, 0x402000, 0x124000, 1, PRW);

	expect_pf(&st, 0x401000, 0, X86_PF_P);
	expect_pf(&st, 0x401000, W_, X86_PF_P | X86_PF_W);
	expect_ok(&st, 0x401000, X86_ACCESS_AC, 0x123000);
	expect_ok(&st, 0x401000, W_ | U_, 0x123000);
	expect_ok(&st, 0x401000, X_, 0x123000); /* fetches are SMEP's business */
	expect_ok(&st, 0x402000, W_, 0x124000);
}

static void test_la57(void)
{
	struct x86_paging_state st = {
		.cr0 = X86_CR0_PG,
		.cr4 = X86_CR4_PAE | X86_CR4_LA57,
		.efer = X86_EFER_LMA,
	};
	uint64_t pml5, gpa;
	uint32_t err;

	gmem_reset();
	pml5 = alloc_pt();
	st.cr3 = pml5;
	map64(pml5, 5, false, 0x0080000000401000, 0x123000, 1, ALL);
	map64(pml5, 5, false, 0xff00000000000000, 0x200000, 2, ALL);
	expect_ok(&st, 0x0080000000401008, 0, 0x123008);
	expect_ok(&st, 0xff00000000012345, 0, 0x212345);
	expect_pf(&st, 0x0000000000401000, 0, 0);
	g_assert_cmpint(x86_guest_walk(&st, 0x0100000000000000ULL << 1, 0, &mem, &gpa, &err), ==,
	                -EINVAL);
	/* 4-level calls bit 55 non-canonical. */
	st.cr4 &= ~X86_CR4_LA57;
	g_assert_cmpint(x86_guest_walk(&st, 0x0080000000401008, 0, &mem, &gpa, &err), ==, -EINVAL);
}

static void test_accessed_dirty(void)
{
	struct x86_paging_state st = {
		.cr0 = X86_CR0_PG,
		.cr4 = X86_CR4_PAE,
		.efer = X86_EFER_LMA,
	};
	uint64_t pml4, gpa, e4, e3, e2, e1;
	uint32_t err;

	gmem_reset();
	pml4 = alloc_pt();
	st.cr3 = pml4;
	map64(pml4, 4, false, 0x401000, 0x123000, 1, ALL);
	e4 = slot64(pml4, 4, false, 0x401000, 4, ALL);
	e3 = slot64(pml4, 4, false, 0x401000, 3, ALL);
	e2 = slot64(pml4, 4, false, 0x401000, 2, ALL);
	e1 = slot64(pml4, 4, false, 0x401000, 1, ALL);

	/* A read sets Accessed everywhere, no Dirty. */
	g_assert_cmpint(x86_guest_walk(&st, 0x401000, 0, &mem_ad, &gpa, &err), ==, 0);
	g_assert_cmphex(get64(e4) & (A | D), ==, A);
	g_assert_cmphex(get64(e3) & (A | D), ==, A);
	g_assert_cmphex(get64(e2) & (A | D), ==, A);
	g_assert_cmphex(get64(e1) & (A | D), ==, A);
	g_assert_cmpuint(cx_calls, ==, 4);

	/* A write adds Dirty on the leaf only; nothing else to change. */
	cx_calls = 0;
	g_assert_cmpint(x86_guest_walk(&st, 0x401000, W_, &mem_ad, &gpa, &err), ==, 0);
	g_assert_cmphex(get64(e1) & (A | D), ==, A | D);
	g_assert_cmphex(get64(e2) & D, ==, 0);
	g_assert_cmpuint(cx_calls, ==, 1);

	/* Nothing left to set: no cmpxchg at all. */
	cx_calls = 0;
	g_assert_cmpint(x86_guest_walk(&st, 0x401000, W_, &mem_ad, &gpa, &err), ==, 0);
	g_assert_cmpuint(cx_calls, ==, 0);

	/* A faulting walk sets nothing. */
	put64(e1, get64(e1) & ~(A | D | RW));
	st.cr0 |= X86_CR0_WP;
	g_assert_cmpint(x86_guest_walk(&st, 0x401000, W_, &mem_ad, &gpa, &err), ==, -EFAULT);
	g_assert_cmphex(get64(e1) & (A | D), ==, 0);

	/* Races are retried, but not forever. */
	put64(e1, get64(e1) | RW);
	cx_fail = 2;
	g_assert_cmpint(x86_guest_walk(&st, 0x401000, W_, &mem_ad, &gpa, &err), ==, 0);
	g_assert_cmphex(get64(e1) & (A | D), ==, A | D);
	put64(e1, get64(e1) & ~(A | D));
	cx_fail = 1000;
	g_assert_cmpint(x86_guest_walk(&st, 0x401000, W_, &mem_ad, &gpa, &err), ==, -EAGAIN);
}

static void test_accessed_pae_32(void)
{
	struct x86_paging_state st = { .cr0 = X86_CR0_PG, .cr4 = X86_CR4_PAE };
	uint64_t pdpt, pdpte, cr3, gpa;
	uint32_t err;

	/* PAE: the PDPTE has no Accessed bit (bit 5 is reserved there). */
	gmem_reset();
	pdpt = alloc_pt();
	st.cr3 = pdpt;
	map64(pdpt, 3, true, 0x401000, 0x123000, 1, ALL);
	pdpte = pdpt;
	g_assert_cmpint(x86_guest_walk(&st, 0x401000, W_, &mem_ad, &gpa, &err), ==, 0);
	g_assert_cmphex(get64(pdpte) & A, ==, 0);
	g_assert_cmphex(get64(slot64(pdpt, 3, true, 0x401000, 2, ALL)) & A, ==, A);
	g_assert_cmphex(get64(slot64(pdpt, 3, true, 0x401000, 1, ALL)) & (A | D), ==, A | D);
	g_assert_cmpint(x86_guest_walk(&st, 0x401000, W_, &mem_ad, &gpa, &err), ==, 0);

	/* 32-bit paging: 4-byte entries. */
	gmem_reset();
	cr3 = alloc_pt();
	st.cr3 = cr3;
	st.cr4 = 0;
	map32(cr3, 0x401000, 0x123000, ALL, ALL);
	g_assert_cmpint(x86_guest_walk(&st, 0x401000, W_, &mem_ad, &gpa, &err), ==, 0);
	g_assert_cmphex(get32(cr3 + 4) & (A | D), ==, A);
	g_assert_cmphex(get32((get32(cr3 + 4) & 0xfffff000u) + 4 * 1) & (A | D), ==, A | D);
}

static void test_io_errors(void)
{
	struct x86_paging_state st = {
		.cr0 = X86_CR0_PG,
		.cr4 = X86_CR4_PAE,
		.efer = X86_EFER_LMA,
	};
	uint64_t pml4, gpa;
	uint32_t err;
	uint8_t buf[16];

	gmem_reset();
	pml4 = alloc_pt();
	/* Root outside guest memory: not a #PF but an I/O error. */
	st.cr3 = 0x7ffff000;
	g_assert_cmpint(x86_guest_walk(&st, 0x401000, 0, &mem, &gpa, &err), ==, -EIO);
	/* A table pointer outside guest memory. */
	st.cr3 = pml4;
	put64(pml4, 0x7ffff000 | ALL);
	g_assert_cmpint(x86_guest_walk(&st, 0x401000, 0, &mem, &gpa, &err), ==, -EIO);
	/* Data outside guest memory: the walk works, the read fails. */
	put64(pml4, 0);
	map64(pml4, 4, false, 0x401000, 0x7ffff000, 1, ALL);
	g_assert_cmpint(x86_guest_walk(&st, 0x401000, 0, &mem, &gpa, &err), ==, 0);
	g_assert_cmpint(x86_guest_read_gla(&st, 0x401000, 0, &mem, buf, 4, NULL, NULL, &err), ==,
	                -EIO);

	/* Bad arguments. */
	g_assert_cmpint(x86_guest_walk(NULL, 0, 0, &mem, &gpa, &err), ==, -EINVAL);
	g_assert_cmpint(x86_guest_walk(&st, 0, 0, NULL, &gpa, &err), ==, -EINVAL);
	g_assert_cmpint(x86_guest_walk(&st, 0, 0, &mem, NULL, &err), ==, -EINVAL);
	g_assert_cmpint(x86_guest_read_gla(&st, 0, 0, &mem, NULL, 4, NULL, NULL, NULL), ==,
	                -EINVAL);
}

/* Hostile page tables: random entries everywhere must not crash or loop. */
static void test_random_tables(void)
{
	GRand *rnd = g_rand_new_with_seed(1234);
	static const uint64_t cr4s[] = { 0, X86_CR4_PSE, X86_CR4_PAE, X86_CR4_PAE | X86_CR4_LA57 };

	gmem_reset();
	/* Random entries pointing mostly inside the first 2 MiB. */
	for (uint64_t off = 0; off < (2u << 20); off += 8) {
		uint64_t v = ((uint64_t)g_rand_int(rnd) << 32) | g_rand_int(rnd);

		if (g_rand_int_range(rnd, 0, 4))
			v &= 0x1ff0ffULL | NX;
		put64(off, v);
	}
	for (unsigned i = 0; i < 100000; i++) {
		struct x86_paging_state st = {
			.cr0 = X86_CR0_PG | (g_rand_boolean(rnd) ? X86_CR0_WP : 0),
			.cr3 = g_rand_int_range(rnd, 0, 2u << 20),
			.cr4 = cr4s[g_rand_int_range(rnd, 0, 4)] |
			       (g_rand_boolean(rnd) ? X86_CR4_SMEP | X86_CR4_SMAP : 0),
			.maxphyaddr = g_rand_int_range(rnd, 0, 64),
		};
		uint64_t gla = ((uint64_t)g_rand_int(rnd) << 32) | g_rand_int(rnd);
		uint64_t gpa;
		uint32_t err;
		uint8_t buf[15];
		unsigned copied;
		int ret;

		if (st.cr4 & X86_CR4_PAE && g_rand_boolean(rnd))
			st.efer = X86_EFER_LMA | X86_EFER_NXE;
		if (g_rand_boolean(rnd))
			gla = (uint64_t)(int64_t)(int32_t)gla;
		ret = x86_guest_walk(&st, gla, g_rand_int_range(rnd, 0, 32),
		                     g_rand_boolean(rnd) ? &mem : &mem_ad, &gpa, &err);
		g_assert_true(ret == 0 || ret == -EFAULT || ret == -EINVAL || ret == -EIO);
		if (ret == -EFAULT)
			g_assert_cmphex(err & ~0x1fu, ==, 0);
		ret = x86_guest_read_gla(&st, gla, X_, &mem, buf, sizeof(buf), &copied, NULL, &err);
		g_assert_true(ret == 0 || ret == -EFAULT || ret == -EINVAL || ret == -EIO);
		g_assert_cmpuint(copied, <=, sizeof(buf));
		if (!ret)
			g_assert_cmpuint(copied, ==, sizeof(buf));
	}
	g_rand_free(rnd);
}

static void test_read_gla(void)
{
	struct x86_paging_state st = {
		.cr0 = X86_CR0_PG,
		.cr4 = X86_CR4_PAE,
		.efer = X86_EFER_LMA | X86_EFER_NXE,
	};
	uint64_t pml4, fault = 0;
	uint8_t buf[15];
	unsigned copied;
	uint32_t err;

	gmem_reset();
	pml4 = alloc_pt();
	st.cr3 = pml4;
	/* Two adjacent linear pages on non-adjacent physical pages. */
	map64(pml4, 4, false, 0x401000, 0x00300000, 1, ALL);
	map64(pml4, 4, false, 0x402000, 0x00200000, 1, ALL);
	for (unsigned i = 0; i < 4096; i++) {
		gmem[0x300000 + i] = (uint8_t)i;
		gmem[0x200000 + i] = (uint8_t)(0x80 + i);
	}

	g_assert_cmpint(x86_guest_read_gla(&st, 0x401ffa, X_, &mem, buf, sizeof(buf), &copied,
	                                   &fault, &err),
	                ==, 0);
	g_assert_cmpuint(copied, ==, 15);
	for (unsigned i = 0; i < 6; i++)
		g_assert_cmphex(buf[i], ==, (uint8_t)(0xffa + i));
	for (unsigned i = 6; i < 15; i++)
		g_assert_cmphex(buf[i], ==, (uint8_t)(0x80 + i - 6));

	/* Second page not present: the first part is there, CR2 is the second page. */
	g_assert_cmpint(x86_guest_read_gla(&st, 0x402ffc, X_, &mem, buf, sizeof(buf), &copied,
	                                   &fault, &err),
	                ==, -EFAULT);
	g_assert_cmpuint(copied, ==, 4);
	g_assert_cmphex(fault, ==, 0x403000);
	g_assert_cmphex(err, ==, X86_PF_ID);
	g_assert_cmphex(buf[0], ==, (uint8_t)(0x80 + 0xffc));

	/* Not executable: protection fault on the first byte. */
	map64(pml4, 4, false, 0x404000, 0x00300000, 1, ALL | NX);
	g_assert_cmpint(
	        x86_guest_read_gla(&st, 0x404000, X_ | U_, &mem, buf, 4, &copied, &fault, &err), ==,
	        -EFAULT);
	g_assert_cmpuint(copied, ==, 0);
	g_assert_cmphex(fault, ==, 0x404000);
	g_assert_cmphex(err, ==, X86_PF_P | X86_PF_U | X86_PF_ID);

	/* Zero length reads nothing and succeeds. */
	g_assert_cmpint(x86_guest_read_gla(&st, 0x999000, 0, &mem, buf, 0, &copied, NULL, NULL), ==,
	                0);
	g_assert_cmpuint(copied, ==, 0);
}

static void test_read_gla_wrap32(void)
{
	struct x86_paging_state st = { .cr0 = X86_CR0_PG };
	uint64_t cr3;
	uint8_t buf[4];
	unsigned copied;
	uint32_t err;

	/* Outside long mode the linear address wraps from 0xffffffff to 0. */
	gmem_reset();
	cr3 = alloc_pt();
	st.cr3 = cr3;
	map32(cr3, 0xfffff000, 0x00300000, ALL, ALL);
	map32(cr3, 0x00000000, 0x00200000, ALL, ALL);
	gmem[0x300ffe] = 1;
	gmem[0x300fff] = 2;
	gmem[0x200000] = 3;
	gmem[0x200001] = 4;
	g_assert_cmpint(x86_guest_read_gla(&st, 0xfffffffe, 0, &mem, buf, 4, &copied, NULL, &err),
	                ==, 0);
	g_assert_cmpuint(copied, ==, 4);
	g_assert_cmphex(buf[0] | buf[1] << 8 | buf[2] << 16 | (uint32_t)buf[3] << 24, ==,
	                0x04030201);

	/* Paging off: same wrap, identity mapping. */
	st.cr0 = 0;
	gmem[0] = 9;
	g_assert_cmpint(x86_guest_read_gla(&st, 0x1fffffffe, 0, &mem, buf, 1, &copied, NULL, &err),
	                ==, -EIO);
	g_assert_cmpint(x86_guest_read_gla(&st, 0x100000000, 0, &mem, buf, 1, &copied, NULL, &err),
	                ==, 0);
	g_assert_cmphex(buf[0], ==, 9);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/guest-walk/paging-off", test_paging_off);
	g_test_add_func("/guest-walk/32bit", test_32bit);
	g_test_add_func("/guest-walk/32bit-pse", test_32bit_pse);
	g_test_add_func("/guest-walk/pae", test_pae);
	g_test_add_func("/guest-walk/long4", test_long4);
	g_test_add_func("/guest-walk/smap", test_smap);
	g_test_add_func("/guest-walk/la57", test_la57);
	g_test_add_func("/guest-walk/accessed-dirty", test_accessed_dirty);
	g_test_add_func("/guest-walk/accessed-pae-32", test_accessed_pae_32);
	g_test_add_func("/guest-walk/io-errors", test_io_errors);
	g_test_add_func("/guest-walk/random-tables", test_random_tables);
	g_test_add_func("/guest-walk/read-gla", test_read_gla);
	g_test_add_func("/guest-walk/read-gla-wrap32", test_read_gla_wrap32);
	return g_test_run();
}
