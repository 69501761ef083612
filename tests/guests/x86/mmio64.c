// SPDX-License-Identifier: BSD-3-Clause
/*
 * MMIO exits from 64-bit long mode with 4-level paging: REX-prefixed forms
 * (8-byte moves, r8..r15, movsxd, movabs), the 32-bit-write zero-extension
 * rule, and accesses whose instruction, source and destination sit at
 * virtual addresses that differ from their guest-physical ones, so that the
 * hypervisor has to walk the guest's page tables (4 KiB, 2 MiB and 1 GiB
 * pages) instead of assuming an identity map.
 */
#include "guest.h"

#define TD(off) (TEST_DEV_BASE + (off))
#define SCR0    TD(TESTDEV_SCRATCH0)
#define SCR1    TD(TESTDEV_SCRATCH1)

/* Virtual aliases above the 4 GiB identity map. */
#define ALIAS_DEV  0x100000000ull  /* -> test device, 4 KiB page */
#define ALIAS_CODE 0x100200000ull  /* -> alias_page below */
#define ALIAS_BUF  0x100400000ull  /* -> two RAM pages, in swapped order */
#define ALIAS_1G   0x8000000000ull /* -> 0xc0000000, one 1 GiB page */
#define ALIAS_SWAP 0x100600000ull  /* -> swap_read, then swap_write */

static void test_rex_forms(void)
{
	uint64_t v, r;
	uintptr_t a = SCR0;

	mmio_write64(SCR0, 0x1122334455667788ull);
	EXPECT_EQ(mmio_read64(SCR0), 0x1122334455667788ull);
	EXPECT_EQ(mmio_read32(SCR0 + 4), 0x11223344);
	EXPECT_EQ(mmio_read8(SCR0 + 7), 0x11);
	mmio_write64(SCR1, 0xfedcba9876543210ull);
	EXPECT_EQ(mmio_read64(SCR1), 0xfedcba9876543210ull);
	EXPECT_EQ(mmio_read64(SCR0), 0x1122334455667788ull);

	/* r8..r15 as data and as address registers (REX.R / REX.B). */
	asm volatile("mov %1, %%r10\n\t"
	             "movabs $0x0123456789abcdef, %%r9\n\t"
	             "movq %%r9, (%%r10)\n\t"
	             "movq (%%r10), %%r13\n\t"
	             "mov %%r13, %0"
	             : "=r"(v)
	             : "r"(a)
	             : "r9", "r10", "r13", "memory");
	EXPECT_EQ(v, 0x0123456789abcdefull);

	/* A 32-bit load zero-extends into the full 64-bit register... */
	asm volatile("mov %1, %%r11\n\t"
	             "mov $-1, %%r8\n\t"
	             "movl (%%r11), %%r8d\n\t"
	             "mov %%r8, %0"
	             : "=r"(v)
	             : "r"(a)
	             : "r8", "r11", "memory");
	EXPECT_EQ(v, 0x0000000089abcdefull);
	/* ...while 16- and 8-bit loads merge into the old value. */
	asm volatile("mov $-1, %%r12\n\t"
	             "movw (%1), %%r12w\n\t"
	             "mov %%r12, %0"
	             : "=r"(v)
	             : "r"(a)
	             : "r12", "memory");
	EXPECT_EQ(v, 0xffffffffffffcdefull);
	asm volatile("mov $-1, %%r14\n\t"
	             "movb 1(%1), %%r14b\n\t"
	             "mov %%r14, %0"
	             : "=r"(v)
	             : "r"(a)
	             : "r14", "memory");
	EXPECT_EQ(v, 0xffffffffffffffcdull);
	/* With a REX prefix, ModRM reg 6 is SIL, not DH. */
	r = 0x1111111111111111ull;
	asm volatile("movb 2(%1), %%sil" : "+S"(r) : "r"(a) : "memory");
	EXPECT_EQ(r, 0x11111111111111abull);

	/* Extensions: movzx/movsx to 64 bits and movsxd. */
	mmio_write64(SCR0, 0x80000000ffff8081ull);
	asm volatile("movzbq (%1), %0" : "=r"(v) : "r"(a) : "memory");
	EXPECT_EQ(v, 0x81);
	asm volatile("movsbq (%1), %0" : "=r"(v) : "r"(a) : "memory");
	EXPECT_EQ(v, 0xffffffffffffff81ull);
	asm volatile("movswq (%1), %0" : "=r"(v) : "r"(a) : "memory");
	EXPECT_EQ(v, 0xffffffffffff8081ull);
	asm volatile("movslq 4(%1), %0" : "=r"(v) : "r"(a) : "memory");
	EXPECT_EQ(v, 0xffffffff80000000ull);
	asm volatile("movzwl 2(%1), %%r15d\n\tmov %%r15, %0" : "=r"(v) : "r"(a) : "r15", "memory");
	EXPECT_EQ(v, 0xffff);

	/* Sign-extended imm32 store of 8 bytes. */
	asm volatile("movq $-2, (%0)" : : "r"(a) : "memory");
	EXPECT_EQ(mmio_read64(SCR0), 0xfffffffffffffffeull);

	/* movabs with a 64-bit absolute address (A1/A3 + REX.W). */
	asm volatile("movabs %0, 0xfeb00010" : : "a"(0x0f1e2d3c4b5a6978ull) : "memory");
	asm volatile("movabs 0xfeb00010, %0" : "=a"(v) : : "memory");
	EXPECT_EQ(v, 0x0f1e2d3c4b5a6978ull);

	/* 64-bit read-modify-write. */
	mmio_write64(SCR0, 0x00ff00ff00ff00ffull);
	asm volatile("orq $0x7f00, (%0)" : : "r"(a) : "memory");
	EXPECT_EQ(mmio_read64(SCR0), 0x00ff00ff00ff7fffull);
	asm volatile("mov %1, %%r9\n\tandq %%r9, (%0)"
	             :
	             : "r"(a), "r"(0xffff0000ffff00f0ull)
	             : "r9", "memory");
	EXPECT_EQ(mmio_read64(SCR0), 0x00ff000000ff00f0ull);
	asm volatile("andq $-16, (%0)" : : "r"(a) : "memory");
	EXPECT_EQ(mmio_read64(SCR0), 0x00ff000000ff00f0ull);
	v = 0xf0f0f0f0f0f0f0f0ull;
	asm volatile("orq (%1), %0" : "+r"(v) : "r"(a) : "memory");
	EXPECT_EQ(v, 0xf0fff0f0f0fff0f0ull);
}

static void test_string_ops(void)
{
	uint64_t src[2] = { 0x0102030405060708ull, 0x1112131415161718ull };
	uint64_t d, s, c;

	/* rep stosq over both scratch registers. */
	d = SCR0;
	c = 2;
	asm volatile("cld; rep stosq" : "+D"(d), "+c"(c) : "a"(0xa5a5a5a55a5a5a5aull) : "memory");
	EXPECT_EQ(mmio_read64(SCR0), 0xa5a5a5a55a5a5a5aull);
	EXPECT_EQ(mmio_read64(SCR1), 0xa5a5a5a55a5a5a5aull);
	EXPECT_EQ(c, 0);

	/* rep movsq RAM -> MMIO. */
	d = SCR0;
	s = (uintptr_t)src;
	c = 2;
	asm volatile("cld; rep movsq" : "+D"(d), "+S"(s), "+c"(c) : : "memory");
	EXPECT_EQ(mmio_read64(SCR0), src[0]);
	EXPECT_EQ(mmio_read64(SCR1), src[1]);
	EXPECT_EQ(d, SCR0 + 16);
}

static void test_counter(void)
{
	uint32_t c0, c1;

	c0 = mmio_read32(TD(TESTDEV_COUNT));
	mmio_write64(SCR0, 1);
	(void)mmio_read64(SCR0);
	(void)mmio_read64(TD(TESTDEV_COUNT));
	c1 = mmio_read32(TD(TESTDEV_COUNT));
	/* Each 8-byte access is one access; the counter's own reads count. */
	EXPECT_EQ(c1 - c0, 3 + 1);
}

/*
 * Code run through ALIAS_CODE: position independent and touching no globals,
 * so it works at any virtual address. SysV: rdi, rsi, rdx in; rax out.
 */
extern char alias_page[], alias_read64[], alias_write32[], alias_copy[], swap_read[], swap_write[];
asm(".pushsection .text.alias, \"ax\"\n"
    ".balign 4096\n"
    "alias_page:\n"
    "alias_read64:\n"
    "	movq (%rdi), %rax\n"
    "	ret\n"
    "alias_write32:\n"
    "	movl %esi, (%rdi)\n"
    "	ret\n"
    "alias_copy:\n" /* rep movsb: dst rdi, src rsi, count rdx */
    "	movq %rdx, %rcx\n"
    "	cld\n"
    "	rep movsb\n"
    "	ret\n"
    ".balign 4096\n"
    /* Two pages, each with its instruction at offset 0: one read, one write. */
    "swap_read:\n"
    "	movq (%rdi), %rax\n"
    "	ret\n"
    ".balign 4096\n"
    "swap_write:\n"
    "	movq %rsi, (%rdi)\n"
    "	ret\n"
    ".balign 4096\n"
    ".popsection\n");

static uint8_t buf_pages[2][4096] __attribute__((aligned(4096)));

static uint64_t alias_fn(const char *sym)
{
	return ALIAS_CODE + (uint64_t)(sym - alias_page);
}

static void test_page_walk(void)
{
	uint64_t (*rd64)(uint64_t) = (void *)alias_fn(alias_read64);
	void (*wr32)(uint64_t, uint32_t) = (void *)alias_fn(alias_write32);
	void (*copy)(uint64_t, uint64_t, uint64_t) = (void *)alias_fn(alias_copy);

	map_page_4k(ALIAS_DEV, TEST_DEV_BASE, PTE_RW | PTE_PCD | PTE_PWT);
	map_page_4k(ALIAS_CODE, (uintptr_t)alias_page, 0);
	/* Virtually contiguous, physically swapped: translation per page. */
	map_page_4k(ALIAS_BUF, (uintptr_t)buf_pages[1], PTE_RW);
	map_page_4k(ALIAS_BUF + 4096, (uintptr_t)buf_pages[0], PTE_RW);

	/* Data through the alias, code at its home address. */
	EXPECT_EQ(mmio_read32(ALIAS_DEV + TESTDEV_MAGIC), TESTDEV_MAGIC_VALUE);
	mmio_write64(ALIAS_DEV + TESTDEV_SCRATCH0, 0x1234567890abcdefull);
	EXPECT_EQ(mmio_read64(SCR0), 0x1234567890abcdefull);

	/* Instruction fetched from a virtual address that is not its GPA. */
	EXPECT_EQ(rd64(SCR0), 0x1234567890abcdefull);
	EXPECT_EQ(rd64(ALIAS_DEV + TESTDEV_MAGIC) & 0xffffffff, TESTDEV_MAGIC_VALUE);
	wr32(ALIAS_DEV + TESTDEV_SCRATCH1, 0x76543210);
	EXPECT_EQ(mmio_read32(SCR1), 0x76543210);

	/*
	 * String copy whose RAM source crosses a page boundary between two
	 * physically swapped pages, to an aliased device address, from aliased
	 * code: every address involved needs the guest page tables.
	 */
	for (int i = 0; i < 4; i++) {
		buf_pages[1][4092 + i] = (uint8_t)(0xa0 + i);
		buf_pages[0][i] = (uint8_t)(0xb0 + i);
	}
	copy(ALIAS_DEV + TESTDEV_SCRATCH0, ALIAS_BUF + 4092, 8);
	EXPECT_EQ(mmio_read64(SCR0), 0xb3b2b1b0a3a2a1a0ull);

	/* And back: device -> RAM across the same boundary. */
	mmio_write64(SCR1, 0x0807060504030201ull);
	copy(ALIAS_BUF + 4094, ALIAS_DEV + TESTDEV_SCRATCH1, 4);
	EXPECT_EQ(buf_pages[1][4094], 0x01);
	EXPECT_EQ(buf_pages[1][4095], 0x02);
	EXPECT_EQ(buf_pages[0][0], 0x03);
	EXPECT_EQ(buf_pages[0][1], 0x04);

	/* A 1 GiB page, if the vCPU offers them (CPUID 0x80000001 EDX.26). */
	if (map_page_1g(ALIAS_1G, 0xc0000000ull, PTE_RW | PTE_PCD | PTE_PWT)) {
		uint64_t dev = ALIAS_1G + (TEST_DEV_BASE - 0xc0000000u);

		EXPECT_EQ(mmio_read32(dev + TESTDEV_MAGIC), TESTDEV_MAGIC_VALUE);
		EXPECT_EQ(rd64(dev + TESTDEV_SCRATCH1) & 0xffffffff, 0x04030201);
	} else {
		gprintf("mmio64: no 1 GiB pages, skipped\n");
	}
}

/*
 * The same linear address, remapped by a PTE write and INVLPG (neither
 * exits), runs another MMIO instruction; the page the hypervisor decoded
 * before is unchanged. A decode cache that only compared the old page's
 * bytes would emulate the read again instead of the write.
 */
static void test_remapped_code(void)
{
	uint64_t (*fn)(uint64_t, uint64_t) = (void *)ALIAS_SWAP;

	mmio_write64(SCR0, 0x1111);
	map_page_4k(ALIAS_SWAP, (uintptr_t)swap_read, 0);
	EXPECT_EQ(fn(SCR0, 0), 0x1111);
	EXPECT_EQ(fn(SCR0, 0), 0x1111);
	map_page_4k(ALIAS_SWAP, (uintptr_t)swap_write, 0);
	fn(SCR0, 0x2222);
	EXPECT_EQ(mmio_read64(SCR0), 0x2222);
	/* And back to the read, at the very same address. */
	map_page_4k(ALIAS_SWAP, (uintptr_t)swap_read, 0);
	EXPECT_EQ(fn(SCR0, 0), 0x2222);
}

static void test_unmapped(void)
{
	EXPECT_EQ(mmio_read64(0x40000000), 0xffffffffffffffffull);
	EXPECT_EQ(mmio_read64(0xfffff000), 0xffffffffffffffffull);
	mmio_write64(0xc0000000, 0);
	EXPECT_EQ(mmio_read64(0xc0000000), 0xffffffffffffffffull);
}

void guest_main(void)
{
	TEST_START("mmio64");
	EXPECT_TRUE(rdmsr(MSR_EFER) & EFER_LMA);
	EXPECT_TRUE(read_cr4() & 0x20);
	test_rex_forms();
	test_string_ops();
	test_counter();
	gprintf("mmio64: instruction forms done\n");
	test_page_walk();
	test_remapped_code();
	test_unmapped();
	TEST_END();
}
