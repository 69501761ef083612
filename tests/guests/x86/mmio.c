// SPDX-License-Identifier: BSD-3-Clause
/*
 * MMIO exits in 32-bit protected mode: the test device (docs/x86-vm-platform.md)
 * through every access width and the instruction forms the hypervisor's
 * decoder must handle, the vIOAPIC's indirect registers, and the all-ones
 * rule for unmapped guest-physical addresses.
 */
#include "guest.h"

#define TD(off)  (TEST_DEV_BASE + (off))
#define SCR0     TD(TESTDEV_SCRATCH0)
#define SCR1     TD(TESTDEV_SCRATCH1)
#define IOREGSEL (IOAPIC_BASE + 0x00)
#define IOWIN    (IOAPIC_BASE + 0x10)

/* Room for one MMIO instruction and a RET, rewritten by test_rewritten_insn. */
static uint8_t code[8] __attribute__((aligned(16)));

static uint32_t testdev_count(void)
{
	/* The low half is enough: a test run makes far fewer than 2^32 accesses. */
	return mmio_read32(TD(TESTDEV_COUNT));
}

static void scratch_set(uint32_t lo, uint32_t hi)
{
	mmio_write32(SCR0, lo);
	mmio_write32(SCR0 + 4, hi);
}

static void test_magic(void)
{
	EXPECT_EQ(mmio_read32(TD(TESTDEV_MAGIC)), TESTDEV_MAGIC_VALUE);
	/* The magic is read-only. */
	mmio_write32(TD(TESTDEV_MAGIC), 0x12345678);
	EXPECT_EQ(mmio_read32(TD(TESTDEV_MAGIC)), TESTDEV_MAGIC_VALUE);
	EXPECT_EQ(mmio_read16(TD(TESTDEV_MAGIC)), 0x5354);
	EXPECT_EQ(mmio_read8(TD(TESTDEV_MAGIC + 3)), 0x54);
}

static void test_widths(void)
{
	/* Two 4-byte halves make one 8-byte register (little endian). */
	scratch_set(0x11223344, 0x55667788);
	EXPECT_EQ(mmio_read32(SCR0), 0x11223344);
	EXPECT_EQ(mmio_read32(SCR0 + 4), 0x55667788);
	EXPECT_EQ(mmio_read16(SCR0), 0x3344);
	EXPECT_EQ(mmio_read16(SCR0 + 2), 0x1122);
	EXPECT_EQ(mmio_read16(SCR0 + 6), 0x5566);
	EXPECT_EQ(mmio_read8(SCR0), 0x44);
	EXPECT_EQ(mmio_read8(SCR0 + 3), 0x11);
	EXPECT_EQ(mmio_read8(SCR0 + 7), 0x55);

	/* Narrow writes change only their own bytes. */
	mmio_write8(SCR0 + 1, 0xab);
	EXPECT_EQ(mmio_read32(SCR0), 0x1122ab44);
	mmio_write16(SCR0 + 6, 0xcdef);
	EXPECT_EQ(mmio_read32(SCR0 + 4), 0xcdef7788);
	EXPECT_EQ(mmio_read32(SCR0), 0x1122ab44);

	/* The two scratch registers are independent. */
	mmio_write32(SCR1, 0xdeadbeef);
	mmio_write32(SCR1 + 4, 0x0badf00d);
	EXPECT_EQ(mmio_read32(SCR0), 0x1122ab44);
	EXPECT_EQ(mmio_read32(SCR1), 0xdeadbeef);
	EXPECT_EQ(mmio_read32(SCR1 + 4), 0x0badf00d);
}

static void test_insn_forms(void)
{
	uint32_t v;
	uintptr_t a = SCR0;

	scratch_set(0x80018002, 0);

	/* Zero and sign extension from byte and word. */
	asm volatile("movzbl (%1), %0" : "=r"(v) : "r"(a) : "memory");
	EXPECT_EQ(v, 0x00000002);
	asm volatile("movzbl 1(%1), %0" : "=r"(v) : "r"(a) : "memory");
	EXPECT_EQ(v, 0x00000080);
	asm volatile("movsbl 1(%1), %0" : "=r"(v) : "r"(a) : "memory");
	EXPECT_EQ(v, 0xffffff80);
	asm volatile("movzwl 2(%1), %0" : "=r"(v) : "r"(a) : "memory");
	EXPECT_EQ(v, 0x00008001);
	asm volatile("movswl 2(%1), %0" : "=r"(v) : "r"(a) : "memory");
	EXPECT_EQ(v, 0xffff8001);

	/* Byte loads into AH/DH (ModRM reg 4..7 without REX = high bytes). */
	v = 0x11223344;
	asm volatile("movb 1(%1), %%ah" : "+a"(v) : "r"(a) : "memory");
	EXPECT_EQ(v, 0x11228044);
	v = 0x55667788;
	asm volatile("movb (%1), %%dh" : "+d"(v) : "r"(a) : "memory");
	EXPECT_EQ(v, 0x55660288);

	/* Immediate stores (C6/C7 and the 66-prefixed form). */
	asm volatile("movl $0xcafef00d, (%0)" : : "r"(a) : "memory");
	EXPECT_EQ(mmio_read32(SCR0), 0xcafef00d);
	asm volatile("movw $0x1234, 2(%0)" : : "r"(a) : "memory");
	EXPECT_EQ(mmio_read32(SCR0), 0x1234f00d);
	asm volatile("movb $0x99, (%0)" : : "r"(a) : "memory");
	EXPECT_EQ(mmio_read32(SCR0), 0x1234f099);

	/* moffs forms (A1/A3): absolute address, EAX implied. */
	asm volatile("movl %0, 0xfeb00008" : : "a"(0x0a0b0c0du) : "memory");
	asm volatile("movl 0xfeb00008, %0" : "=a"(v) : : "memory");
	EXPECT_EQ(v, 0x0a0b0c0d);

	/* SIB addressing with base + index*scale + disp. */
	asm volatile("movl (%1,%2,4), %0" : "=r"(v) : "r"(TEST_DEV_BASE), "r"(2) : "memory");
	EXPECT_EQ(v, 0x0a0b0c0d);

	/* Read-modify-write: and/or with memory destination, imm and reg sources. */
	mmio_write32(SCR0, 0x12345678);
	asm volatile("andl $0xffff0000, (%0)" : : "r"(a) : "memory");
	EXPECT_EQ(mmio_read32(SCR0), 0x12340000);
	asm volatile("orl $0x000000ff, (%0)" : : "r"(a) : "memory");
	EXPECT_EQ(mmio_read32(SCR0), 0x123400ff);
	asm volatile("orl %1, (%0)" : : "r"(a), "r"(0x0000ff00u) : "memory");
	EXPECT_EQ(mmio_read32(SCR0), 0x1234ffff);
	asm volatile("andl %1, (%0)" : : "r"(a), "r"(0xff00ff00u) : "memory");
	EXPECT_EQ(mmio_read32(SCR0), 0x1200ff00);
	asm volatile("orb $0x0f, 1(%0)" : : "r"(a) : "memory");
	EXPECT_EQ(mmio_read32(SCR0), 0x1200ff00);
	asm volatile("andb $0x0f, 1(%0)" : : "r"(a) : "memory");
	EXPECT_EQ(mmio_read32(SCR0), 0x12000f00);
	asm volatile("orw $0x0101, 2(%0)" : : "r"(a) : "memory");
	EXPECT_EQ(mmio_read32(SCR0), 0x13010f00);

	/* and/or with the MMIO operand as source (register destination). */
	v = 0xf0f0f0f0;
	asm volatile("andl (%1), %0" : "+r"(v) : "r"(a) : "memory");
	EXPECT_EQ(v, 0x10000000);
	v = 0x000000f0;
	asm volatile("orl (%1), %0" : "+r"(v) : "r"(a) : "memory");
	EXPECT_EQ(v, 0x13010ff0);
}

static void test_string_ops(void)
{
	uint8_t src[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t dst[8] = { 0 };
	uintptr_t d, s, c;

	/* rep stosl: two dword stores into scratch 0. */
	d = SCR0;
	c = 2;
	asm volatile("cld; rep stosl" : "+D"(d), "+c"(c) : "a"(0x5a5aa5a5u) : "memory");
	EXPECT_EQ(mmio_read32(SCR0), 0x5a5aa5a5);
	EXPECT_EQ(mmio_read32(SCR0 + 4), 0x5a5aa5a5);
	EXPECT_EQ(c, 0);
	EXPECT_EQ(d, SCR0 + 8);

	/* rep movsb RAM -> MMIO, byte by byte. */
	d = SCR0;
	s = (uintptr_t)src;
	c = 8;
	asm volatile("cld; rep movsb" : "+D"(d), "+S"(s), "+c"(c) : : "memory");
	EXPECT_EQ(mmio_read32(SCR0), 0x04030201);
	EXPECT_EQ(mmio_read32(SCR0 + 4), 0x08070605);
	EXPECT_EQ(c, 0);
	EXPECT_EQ(s, (uintptr_t)src + 8);

	/* rep movsb MMIO -> RAM. */
	d = (uintptr_t)dst;
	s = SCR0;
	c = 8;
	asm volatile("cld; rep movsb" : "+D"(d), "+S"(s), "+c"(c) : : "memory");
	EXPECT_EQ(memcmp(dst, src, sizeof(src)), 0);
	EXPECT_EQ(c, 0);

	/* A single movsl without rep, and std (backwards) stosb. */
	mmio_write32(SCR1, 0);
	d = SCR1;
	s = (uintptr_t)src;
	asm volatile("cld; movsl" : "+D"(d), "+S"(s) : : "memory");
	EXPECT_EQ(mmio_read32(SCR1), 0x04030201);
	d = SCR1 + 3;
	c = 2;
	asm volatile("std; rep stosb; cld" : "+D"(d), "+c"(c) : "a"(0xeeu) : "memory");
	EXPECT_EQ(mmio_read32(SCR1), 0xeeee0201);
	EXPECT_EQ(d, SCR1 + 1);
}

static void test_counter(void)
{
	uint32_t c0, c1;
	uintptr_t d, c;

	/*
	 * The counter counts every access to the device, its own reads
	 * included, so reading it twice around N accesses shows N + 1.
	 */
	c0 = testdev_count();
	mmio_write32(SCR0, 1);
	mmio_write16(SCR0, 2);
	mmio_write8(SCR0, 3);
	(void)mmio_read32(SCR0);
	(void)mmio_read16(SCR0);
	(void)mmio_read8(SCR0);
	(void)mmio_read32(TD(TESTDEV_MAGIC));
	c1 = testdev_count();
	EXPECT_EQ(c1 - c0, 7 + 1);

	/* Nothing between two counter reads: exactly one more. */
	c0 = testdev_count();
	c1 = testdev_count();
	EXPECT_EQ(c1 - c0, 1);

	/* A rep stosl of 3 dwords is 3 accesses, not 1 and not 4. */
	c0 = testdev_count();
	d = SCR0;
	c = 3;
	asm volatile("cld; rep stosl" : "+D"(d), "+c"(c) : "a"(0u) : "memory");
	c1 = testdev_count();
	EXPECT_EQ(c1 - c0, 3 + 1);
}

static uint32_t ioapic_read(uint32_t reg)
{
	mmio_write32(IOREGSEL, reg);
	return mmio_read32(IOWIN);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(IOREGSEL, reg);
	mmio_write32(IOWIN, v);
}

static void test_ioapic(void)
{
	uint32_t lo, hi;

	EXPECT_EQ(ioapic_read(0x01), 0x00170020);
	/* IOAPIC id = number of vCPUs; these scenarios give the VM one. */
	EXPECT_EQ((ioapic_read(0x00) >> 24) & 0x0f, 1);
	EXPECT_EQ(mmio_read32(IOREGSEL), 0x00);

	/* Redirection entry 10 round trip (kept masked). */
	ioapic_write(0x10 + 2 * 10, 0x00010031);
	ioapic_write(0x10 + 2 * 10 + 1, 0x01000000);
	lo = ioapic_read(0x10 + 2 * 10);
	hi = ioapic_read(0x10 + 2 * 10 + 1);
	EXPECT_EQ(lo & 0x0001ffff, 0x00010031);
	EXPECT_EQ(hi & 0xff000000, 0x01000000);
	ioapic_write(0x10 + 2 * 10, 0x00010000);
	ioapic_write(0x10 + 2 * 10 + 1, 0);
	/* Every pin is masked after reset. */
	EXPECT_TRUE(ioapic_read(0x10 + 2 * 23) & 0x00010000);
}

static void test_unmapped(void)
{
	/* Outside RAM (16 MiB), not a device: all ones, writes dropped. */
	static const uintptr_t holes[] = {
		0x01000000, 0x40000000, 0xc0000000, 0xfeb01000, 0xfed00000, 0xfffff000,
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(holes); i++) {
		EXPECT_EQ(mmio_read32(holes[i]), 0xffffffff);
		EXPECT_EQ(mmio_read16(holes[i] + 2), 0xffff);
		EXPECT_EQ(mmio_read8(holes[i] + 1), 0xff);
		mmio_write32(holes[i], 0x12345678);
		EXPECT_EQ(mmio_read32(holes[i]), 0xffffffff);
	}
	/* The xAPIC page is not mapped: the vLAPIC is x2APIC-only. */
	EXPECT_EQ(mmio_read32(LAPIC_MMIO_BASE + 0x30), 0xffffffff);
}

/* Run code[] with EBX = SCR0; returns EAX, *ecx gets ECX. */
static uint32_t run_code(uint32_t eax, uint32_t *ecx)
{
	uint32_t c = 0xcccccccc;

	__asm__ volatile("call *%[fn]"
	                 : "+a"(eax), "+c"(c)
	                 : [fn] "S"(code), "b"(SCR0)
	                 : "memory", "edx");
	*ecx = c;
	return eax;
}

/*
 * The hypervisor caches the decoding of the last MMIO instruction by its
 * address: new bytes at the same address must be decoded anew.
 */
static void test_rewritten_insn(void)
{
	uint32_t ecx;

	scratch_set(0x11223344, 0);
	code[2] = 0xc3; /* ret */
	code[0] = 0x8b; /* mov (%ebx), %eax */
	code[1] = 0x03;
	EXPECT_EQ(run_code(0, &ecx), 0x11223344);
	EXPECT_EQ(run_code(0, &ecx), 0x11223344);
	code[1] = 0x0b; /* mov (%ebx), %ecx */
	EXPECT_EQ(run_code(0x55, &ecx), 0x55);
	EXPECT_EQ(ecx, 0x11223344);
	code[0] = 0x8a; /* mov (%ebx), %cl */
	EXPECT_EQ(run_code(0x55, &ecx), 0x55);
	EXPECT_EQ(ecx, 0xcccccc44);
	code[0] = 0x89; /* mov %ecx, (%ebx): ECX is 0xcccccccc on entry */
	run_code(0, &ecx);
	EXPECT_EQ(mmio_read32(SCR0), 0xcccccccc);
}

/*
 * One instruction several times in a row: the first run is decoded and
 * cached, the later ones take VMX's fast path, which writes back the
 * register itself (EBX too, which the hypervisor's C code keeps in a
 * callee-saved register) and must merge and extend as the emulator does.
 * Each form is a function of its own, called in a row, so the same
 * instruction runs again with no other MMIO instruction in between (the
 * cache holds the last one).
 */
__attribute__((noinline)) static uint32_t load_ebx(uintptr_t a, uint32_t v)
{
	asm volatile("movl (%1), %0" : "+b"(v) : "r"(a) : "memory");
	return v;
}

__attribute__((noinline)) static uint32_t load_ah(uintptr_t a, uint32_t v)
{
	asm volatile("movb 1(%1), %%ah" : "+a"(v) : "r"(a) : "memory");
	return v;
}

__attribute__((noinline)) static uint32_t load_si(uintptr_t a, uint32_t v)
{
	asm volatile("movw 2(%1), %%si" : "+S"(v) : "r"(a) : "memory");
	return v;
}

__attribute__((noinline)) static void store_ebx(uintptr_t a, uint32_t v)
{
	asm volatile("movl %0, (%1)" : : "b"(v), "r"(a) : "memory");
}

__attribute__((noinline)) static void store_imm16(uintptr_t a)
{
	asm volatile("movw $0x1234, 2(%0)" : : "r"(a) : "memory");
}

/*
 * A load into EAX while EBX and EBP (callee-saved in the hypervisor's C
 * code) hold guest values: VMX's fast path then leaves them in the CPU and
 * never stores them; they must come back as they were, not from an older
 * copy in memory.
 */
__attribute__((noinline)) static uint32_t load_eax_keep_ebx_ebp(uintptr_t a, uint32_t k,
                                                                uint32_t *kb, uint32_t *kp)
{
	uint32_t v, b = k, p = ~k;

	asm volatile("xchg %%ebp, %2\n\t"
	             "movl (%3), %0\n\t"
	             "xchg %%ebp, %2"
	             : "=&a"(v), "+b"(b), "+r"(p)
	             : "c"(a)
	             : "memory");
	*kb = b;
	*kp = p;
	return v;
}

static void test_repeated_forms(void)
{
	uintptr_t a = SCR0;
	uint32_t v[3];

	scratch_set(0xa0b0c0d0, 0);
	for (unsigned i = 0; i < 3; i++)
		v[i] = load_ebx(a, i);
	for (unsigned i = 0; i < 3; i++)
		EXPECT_EQ(v[i], 0xa0b0c0d0);
	for (unsigned i = 0; i < 3; i++)
		v[i] = load_ah(a, 0x11223344 + i);
	for (unsigned i = 0; i < 3; i++)
		EXPECT_EQ(v[i], 0x1122c044 + i);
	for (unsigned i = 0; i < 3; i++)
		v[i] = load_si(a, 0x11223344 + i);
	for (unsigned i = 0; i < 3; i++)
		EXPECT_EQ(v[i], 0x1122a0b0);
	for (unsigned i = 0; i < 3; i++) {
		uint32_t kb, kp;

		EXPECT_EQ(load_eax_keep_ebx_ebp(a, 0x1234567 * (i + 1), &kb, &kp), 0xa0b0c0d0);
		EXPECT_EQ(kb, 0x1234567 * (i + 1));
		EXPECT_EQ(kp, ~(0x1234567 * (i + 1)));
	}
	for (unsigned i = 0; i < 3; i++)
		store_ebx(a, 0x55667788 + i);
	EXPECT_EQ(mmio_read32(SCR0), 0x5566778a);
	for (unsigned i = 0; i < 3; i++)
		store_imm16(a);
	EXPECT_EQ(mmio_read32(SCR0), 0x1234778a);
}

void guest_main(void)
{
	TEST_START("mmio");
	test_magic();
	test_widths();
	test_insn_forms();
	test_string_ops();
	test_rewritten_insn();
	test_repeated_forms();
	gprintf("mmio: test device done\n");
	test_counter();
	test_ioapic();
	test_unmapped();
	mmio_write32(TD(TESTDEV_PRINT), 0x600df00d);
	TEST_END();
}
