/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The first RISC-V guest: prints through the legacy SBI putchar and through
 * DBCN, checks what SBI BASE reports, and powers its VM off with SRST.
 * Every line the board test expects depends on a value the hypervisor gave.
 */
#include <stddef.h>
#include <stdint.h>

#define EXT_LEGACY_PUTCHAR 0x01
#define EXT_BASE           0x10
#define EXT_DBCN           0x4442434E
#define EXT_SRST           0x53525354
#define EXT_HSM            0x48534D

struct ret {
	long error, value;
};

static struct ret ecall(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
                        unsigned long a2)
{
	register unsigned long r0 __asm__("a0") = a0;
	register unsigned long r1 __asm__("a1") = a1;
	register unsigned long r2 __asm__("a2") = a2;
	register unsigned long r6 __asm__("a6") = fid;
	register unsigned long r7 __asm__("a7") = ext;

	__asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
	return (struct ret){ (long)r0, (long)r1 };
}

static void putc_legacy(char c)
{
	ecall(EXT_LEGACY_PUTCHAR, 0, (unsigned char)c, 0, 0);
}

static void puts_legacy(const char *s)
{
	while (*s)
		putc_legacy(*s++);
}

static void put_hex(unsigned long v)
{
	char buf[19] = "0x";
	int n = 2;

	for (int shift = 60; shift >= 0; shift -= 4) {
		unsigned d = (v >> shift) & 0xf;

		if (d || n > 2 || shift == 0)
			buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
	}
	buf[n] = '\0';
	puts_legacy(buf);
}

static size_t len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

void guest_main(unsigned long hartid)
{
	static const char dbcn_msg[] = "RV-GUEST: dbcn write ok\n";
	struct ret spec = ecall(EXT_BASE, 0, 0, 0, 0);
	struct ret dbcn = ecall(EXT_BASE, 3, EXT_DBCN, 0, 0);
	struct ret hsm = ecall(EXT_BASE, 3, EXT_HSM, 0, 0);
	struct ret w;
	unsigned long t0, t1;

	puts_legacy("RV-GUEST: hello from VS-mode, hart ");
	put_hex(hartid);
	puts_legacy("\nRV-GUEST: sbi spec ");
	put_hex((unsigned long)spec.value);
	puts_legacy(" dbcn ");
	put_hex((unsigned long)dbcn.value);
	puts_legacy(" hsm ");
	put_hex((unsigned long)hsm.value);
	putc_legacy('\n');

	w = ecall(EXT_DBCN, 0, len(dbcn_msg), (unsigned long)dbcn_msg, 0);
	if (w.error || w.value != (long)len(dbcn_msg))
		puts_legacy("RV-GUEST: dbcn write FAILED\n");
	/* An address outside the VM's RAM must be refused, not read. */
	w = ecall(EXT_DBCN, 0, 4, 0x7ff00000UL, 0);
	puts_legacy(w.error == -3 ? "RV-GUEST: dbcn bad address refused\n"
	                          : "RV-GUEST: dbcn bad address ACCEPTED\n");

	__asm__ volatile("rdtime %0" : "=r"(t0));
	for (volatile int i = 0; i < 100000; i++)
		;
	__asm__ volatile("rdtime %0" : "=r"(t1));
	puts_legacy(t1 > t0 ? "RV-GUEST: time advances\n" : "RV-GUEST: time STUCK\n");

	puts_legacy("RV-GUEST: done\n");
	ecall(EXT_SRST, 0, 0, 0, 0);
	puts_legacy("RV-GUEST: still running after SRST shutdown\n");
}
