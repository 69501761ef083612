/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the MMIO instruction decoder/emulator. Encodings are written
 * out by hand from the opcode maps; each case checks the decoded length, the
 * exact device accesses made, the registers and the flags.
 */
#include <arch/instr_emul.h>
#include <glib.h>
#include <hv/errno.h>
#include <string.h>

/* Fake guest: a 2-page device and a RAM window, each at its own linear address. */
#define MMIO_GPA  0xfeb00000ULL
#define MMIO_SIZE 0x2000ULL
#define MMIO_GLA  0x70000000ULL
#define RAM_GPA   0x200000ULL
#define RAM_SIZE  0x10000ULL
#define RAM_GLA   0x10000ULL

#define MAX_LOG   10000

struct access {
	char type; /* 'R' or 'W' */
	uint64_t addr;
	unsigned size;
	uint64_t val;
};

static struct {
	uint8_t mmio[MMIO_SIZE];
	uint8_t ram[RAM_SIZE];
	struct access log[MAX_LOG];
	unsigned nlog;
	unsigned nmem; /* RAM-side accesses */
	int fail_at;   /* fail the fail_at'th device access (0-based), -1: never */
	bool lenient;  /* fuzzing: accept any address */
	uint64_t fs_base;
} env;

static void env_reset(void)
{
	memset(&env, 0, sizeof(env));
	env.fail_at = -1;
}

static uint8_t *mmio_ptr(uint64_t gpa, unsigned size)
{
	if (gpa < MMIO_GPA || gpa + size > MMIO_GPA + MMIO_SIZE) {
		g_assert_true(env.lenient);
		return NULL;
	}
	return &env.mmio[gpa - MMIO_GPA];
}

static int log_access(char type, uint64_t gpa, unsigned size, uint64_t val)
{
	unsigned n = env.nlog++;

	g_assert_true(size == 1 || size == 2 || size == 4 || size == 8);
	if (n < MAX_LOG)
		env.log[n] = (struct access){ type, gpa, size, val };
	else
		g_assert_true(env.lenient);
	return env.fail_at >= 0 && (unsigned)env.fail_at == n ? -EIO : 0;
}

static int fake_mmio_read(void *opaque, uint64_t gpa, unsigned size, uint64_t *val)
{
	uint8_t *p = mmio_ptr(gpa, size);
	uint64_t v = 0;

	g_assert_true(opaque == &env);
	if (p)
		memcpy(&v, p, size);
	/* Garbage above `size`: the emulator must mask it. */
	*val = v | (size < 8 ? 0xa5a5a5a5a5a5a5a5ULL << (size * 8) : 0);
	return log_access('R', gpa, size, v);
}

static int fake_mmio_write(void *opaque, uint64_t gpa, unsigned size, uint64_t val)
{
	uint8_t *p = mmio_ptr(gpa, size);
	int ret;

	g_assert_true(opaque == &env);
	if (size < 8)
		g_assert_cmphex(val >> (size * 8), ==, 0);
	ret = log_access('W', gpa, size, val);
	if (p && !ret)
		memcpy(p, &val, size);
	return ret;
}

/* RAM side of MOVS: only inside the RAM window, else a "page fault". */
static uint8_t *ram_ptr(uint64_t gla, unsigned len)
{
	if (gla < RAM_GLA || gla + len > RAM_GLA + RAM_SIZE)
		return NULL;
	return &env.ram[gla - RAM_GLA];
}

static int fake_mem_read(void *opaque, uint64_t gla, void *buf, unsigned len)
{
	uint8_t *p = ram_ptr(gla, len);

	(void)opaque;
	env.nmem++;
	if (!p)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

static int fake_mem_write(void *opaque, uint64_t gla, const void *buf, unsigned len)
{
	uint8_t *p = ram_ptr(gla, len);

	(void)opaque;
	env.nmem++;
	if (!p)
		return -EFAULT;
	memcpy(p, buf, len);
	return 0;
}

static int fake_gla_to_gpa(void *opaque, uint64_t gla, bool write, uint64_t *gpa)
{
	(void)opaque;
	(void)write;
	if (gla >= MMIO_GLA && gla < MMIO_GLA + MMIO_SIZE)
		*gpa = gla - MMIO_GLA + MMIO_GPA;
	else if (gla >= RAM_GLA && gla < RAM_GLA + RAM_SIZE)
		*gpa = gla - RAM_GLA + RAM_GPA;
	else if (env.lenient)
		*gpa = gla;
	else
		return -EFAULT;
	return 0;
}

static int fake_seg_base(void *opaque, enum x86_seg seg, uint64_t *base)
{
	(void)opaque;
	*base = seg == X86_SEG_FS ? env.fs_base : 0;
	return 0;
}

static const struct x86_emul_ops ops = {
	.mmio_read = fake_mmio_read,
	.mmio_write = fake_mmio_write,
	.mem_read = fake_mem_read,
	.mem_write = fake_mem_write,
	.gla_to_gpa = fake_gla_to_gpa,
	.seg_base = fake_seg_base,
};

static void mmio_set(uint64_t gpa, unsigned size, uint64_t v)
{
	memcpy(mmio_ptr(gpa, size), &v, size);
}

/* Register slots in test tables besides the GPRs. */
#define R_RIP   16
#define R_FLAGS 17
#define R_END   0xff

struct reg_val {
	uint8_t reg;
	uint64_t val;
};

#define RIP0    0x401000ULL
#define RFLAGS0 0x2ULL

static void regs_init(struct x86_regs *r)
{
	memset(r, 0, sizeof(*r));
	for (unsigned i = 0; i < 16; i++)
		r->gpr[i] = 0x0bad000000000000ULL | (i * 0x1111);
	r->rip = RIP0;
	r->rflags = RFLAGS0;
}

static void regs_apply(struct x86_regs *r, const struct reg_val *rv, unsigned n)
{
	for (unsigned i = 0; i < n && rv[i].reg != R_END; i++) {
		if (rv[i].reg == R_RIP)
			r->rip = rv[i].val;
		else if (rv[i].reg == R_FLAGS)
			r->rflags = rv[i].val;
		else
			r->gpr[rv[i].reg] = rv[i].val;
	}
}

static void regs_assert_equal(const struct x86_regs *got, const struct x86_regs *want)
{
	for (unsigned i = 0; i < 16; i++) {
		if (got->gpr[i] != want->gpr[i])
			g_test_message("gpr[%u] = %#lx, want %#lx", i, (unsigned long)got->gpr[i],
			               (unsigned long)want->gpr[i]);
		g_assert_cmphex(got->gpr[i], ==, want->gpr[i]);
	}
	g_assert_cmphex(got->rip, ==, want->rip);
	g_assert_cmphex(got->rflags, ==, want->rflags);
}

static void log_assert(const struct access *want, unsigned n)
{
	g_assert_cmpuint(env.nlog, ==, n);
	for (unsigned i = 0; i < n; i++) {
		g_assert_cmpint(env.log[i].type, ==, want[i].type);
		g_assert_cmphex(env.log[i].addr, ==, want[i].addr);
		g_assert_cmpuint(env.log[i].size, ==, want[i].size);
		g_assert_cmphex(env.log[i].val, ==, want[i].val);
	}
}

/* ---- table of single-access instructions ------------------------------- */

#define MAXR 6
#define MAXA 3

struct emul_case {
	const char *name;
	enum x86_cpu_mode mode;
	const char *bytes; /* hand-assembled encoding */
	unsigned nbytes;
	unsigned len;
	uint8_t op, opsize;
	uint64_t gpa;  /* faulting gpa */
	uint64_t init; /* device content at gpa (8 bytes) */
	struct reg_val in[MAXR];
	struct access acc[MAXA];
	unsigned nacc;
	struct reg_val out[MAXR]; /* expected changes; RIP defaults to RIP0 + len */
	bool has_ea;
	uint64_t ea;
};

#define B(s)   .bytes = s, .nbytes = sizeof(s) - 1
#define G(off) (MMIO_GPA + (off))
#define RAX    X86_REG_RAX
#define RCX    X86_REG_RCX
#define RDX    X86_REG_RDX
#define RBX    X86_REG_RBX
#define RSP    X86_REG_RSP
#define RBP    X86_REG_RBP
#define RSI    X86_REG_RSI
#define RDI    X86_REG_RDI
#define F_CF   X86_RFLAGS_CF
#define F_PF   X86_RFLAGS_PF
#define F_AF   X86_RFLAGS_AF
#define F_ZF   X86_RFLAGS_ZF
#define F_SF   X86_RFLAGS_SF
#define F_OF   X86_RFLAGS_OF
#define M64    X86_MODE_LONG64
#define M32    X86_MODE_PROT32
#define M16    X86_MODE_PROT16
#define MR     X86_MODE_REAL16

/* One line per case reads better than clang-format's one line per field. */
/* clang-format off */
#define END { R_END, 0 }
static const struct emul_case cases[] = {
	/* --- MOV --- */
	{ "mov %eax,0x10(%rbx)", M64, B("\x89\x43\x10"), 3, X86_OP_MOV, 4, G(0x10), 0,
	  { { RAX, 0x1122334455667788 }, { RBX, MMIO_GLA }, END },
	  { { 'W', G(0x10), 4, 0x55667788 } }, 1, { END }, true, MMIO_GLA + 0x10 },
	{ "movl $0x12345678,(%rdi)", M64, B("\xc7\x07\x78\x56\x34\x12"), 6, X86_OP_MOV, 4, G(8), 0,
	  { { RDI, MMIO_GLA + 8 }, END }, { { 'W', G(8), 4, 0x12345678 } }, 1, { END }, true,
	  MMIO_GLA + 8 },
	{ "movzbl (%rsi),%eax", M64, B("\x0f\xb6\x06"), 3, X86_OP_MOVZX, 4, G(0), 0xf0,
	  { { RAX, ~0ULL }, END }, { { 'R', G(0), 1, 0xf0 } }, 1, { { RAX, 0xf0 }, END } },
	{ "movsbl (%rsi),%eax", M64, B("\x0f\xbe\x06"), 3, X86_OP_MOVSX, 4, G(0), 0xf0,
	  { { RAX, ~0ULL }, END }, { { 'R', G(0), 1, 0xf0 } }, 1, { { RAX, 0xfffffff0 }, END } },
	{ "movswq (%rsi),%rax", M64, B("\x48\x0f\xbf\x06"), 4, X86_OP_MOVSX, 8, G(2), 0x8001,
	  { END }, { { 'R', G(2), 2, 0x8001 } }, 1, { { RAX, 0xffffffffffff8001 }, END } },
	{ "movslq 0x4(%rbx),%rsi", M64, B("\x48\x63\x73\x04"), 4, X86_OP_MOVSX, 8, G(4),
	  0x80000000, { { RBX, MMIO_GLA }, END }, { { 'R', G(4), 4, 0x80000000 } }, 1,
	  { { RSI, 0xffffffff80000000 }, END }, true, MMIO_GLA + 4 },
	{ "movzwl (%rsi),%ecx", M64, B("\x0f\xb7\x0e"), 3, X86_OP_MOVZX, 4, G(2), 0xfedc,
	  { { RCX, ~0ULL }, END }, { { 'R', G(2), 2, 0xfedc } }, 1, { { RCX, 0xfedc }, END } },
	{ "movzbw (%rbx),%ax", M64, B("\x66\x0f\xb6\x03"), 4, X86_OP_MOVZX, 2, G(0), 0x80,
	  { { RAX, ~0ULL }, END }, { { 'R', G(0), 1, 0x80 } }, 1,
	  { { RAX, 0xffffffffffff0080 }, END } },
	{ "mov 0x8(%rbx),%rax", M64, B("\x48\x8b\x43\x08"), 4, X86_OP_MOV, 8, G(8),
	  0x8877665544332211, { { RBX, MMIO_GLA }, END }, { { 'R', G(8), 8, 0x8877665544332211 } },
	  1, { { RAX, 0x8877665544332211 }, END }, true, MMIO_GLA + 8 },
	{ "mov (%rbx),%eax zero-extends", M64, B("\x8b\x03"), 2, X86_OP_MOV, 4, G(0), 0x80000000,
	  { { RAX, ~0ULL }, END }, { { 'R', G(0), 4, 0x80000000 } }, 1,
	  { { RAX, 0x80000000 }, END } },
	{ "movq $-1,(%rbx)", M64, B("\x48\xc7\x03\xff\xff\xff\xff"), 7, X86_OP_MOV, 8, G(0), 0,
	  { END }, { { 'W', G(0), 8, ~0ULL } }, 1, { END } },
	{ "movq $0x7fffffff,(%rbx)", M64, B("\x48\xc7\x03\xff\xff\xff\x7f"), 7, X86_OP_MOV, 8,
	  G(0), 0, { END }, { { 'W', G(0), 8, 0x7fffffff } }, 1, { END } },
	{ "movb $0xab,(%rbx)", M64, B("\xc6\x03\xab"), 3, X86_OP_MOV, 1, G(3), 0, { END },
	  { { 'W', G(3), 1, 0xab } }, 1, { END } },
	/* REX.R / REX.B */
	{ "mov %r9d,(%rax)", M64, B("\x44\x89\x08"), 3, X86_OP_MOV, 4, G(0), 0,
	  { { X86_REG_R9, 0xaaaabbbbccccdddd }, END }, { { 'W', G(0), 4, 0xccccdddd } }, 1, { END } },
	{ "mov (%rax),%r10", M64, B("\x4c\x8b\x10"), 3, X86_OP_MOV, 8, G(0), 0x0123456789abcdef,
	  { END }, { { 'R', G(0), 8, 0x0123456789abcdef } }, 1,
	  { { X86_REG_R10, 0x0123456789abcdef }, END } },
	{ "mov %r8,(%r12)", M64, B("\x4d\x89\x04\x24"), 4, X86_OP_MOV, 8, G(0x18), 0,
	  { { X86_REG_R8, 0x1122334455667788 }, { X86_REG_R12, MMIO_GLA + 0x18 }, END },
	  { { 'W', G(0x18), 8, 0x1122334455667788 } }, 1, { END }, true, MMIO_GLA + 0x18 },
	{ "mov %r15b,0x0(%r13)", M64, B("\x45\x88\x7d\x00"), 4, X86_OP_MOV, 1, G(1), 0,
	  { { X86_REG_R15, 0x1234 }, { X86_REG_R13, MMIO_GLA + 1 }, END },
	  { { 'W', G(1), 1, 0x34 } }, 1, { END }, true, MMIO_GLA + 1 },
	{ "mov %eax,0x4(%rax,%r12,8)", M64, B("\x42\x89\x44\xe0\x04"), 5, X86_OP_MOV, 4, G(0x24),
	  0, { { RAX, MMIO_GLA }, { X86_REG_R12, 4 }, END },
	  { { 'W', G(0x24), 4, (uint32_t)MMIO_GLA } }, 1, { END }, true, MMIO_GLA + 0x24 },
	/* 16-bit operands */
	{ "mov %ax,(%rbx)", M64, B("\x66\x89\x03"), 3, X86_OP_MOV, 2, G(2), 0,
	  { { RAX, 0x12345678 }, END }, { { 'W', G(2), 2, 0x5678 } }, 1, { END } },
	{ "movw $0xbeef,(%rbx)", M64, B("\x66\xc7\x03\xef\xbe"), 5, X86_OP_MOV, 2, G(2), 0,
	  { END }, { { 'W', G(2), 2, 0xbeef } }, 1, { END } },
	{ "mov (%rbx),%cx merges", M64, B("\x66\x8b\x0b"), 3, X86_OP_MOV, 2, G(2), 0xabcd,
	  { { RCX, 0x1111111111111111 }, END }, { { 'R', G(2), 2, 0xabcd } }, 1,
	  { { RCX, 0x111111111111abcd }, END } },
	{ "rex.w ignored before 66", M64, B("\x48\x66\x89\x03"), 4, X86_OP_MOV, 2, G(0), 0,
	  { { RAX, 0x12345678 }, END }, { { 'W', G(0), 2, 0x5678 } }, 1, { END } },
	{ "rex.w wins over 66", M64, B("\x66\x48\x89\x03"), 4, X86_OP_MOV, 8, G(0), 0,
	  { { RAX, 0x1234567887654321 }, END }, { { 'W', G(0), 8, 0x1234567887654321 } }, 1,
	  { END } },
	/* byte registers */
	{ "mov %ah,(%rbx)", M64, B("\x88\x23"), 2, X86_OP_MOV, 1, G(0), 0,
	  { { RAX, 0x1234 }, END }, { { 'W', G(0), 1, 0x12 } }, 1, { END } },
	{ "mov %spl,(%rbx)", M64, B("\x40\x88\x23"), 3, X86_OP_MOV, 1, G(0), 0,
	  { { RSP, 0x1255 }, END }, { { 'W', G(0), 1, 0x55 } }, 1, { END } },
	{ "mov (%rbx),%bh", M64, B("\x8a\x3b"), 2, X86_OP_MOV, 1, G(0), 0x5a,
	  { { RBX, 0x70000000 }, END }, { { 'R', G(0), 1, 0x5a } }, 1, { { RBX, 0x70005a00 }, END } },
	{ "mov (%rbx),%dil", M64, B("\x40\x8a\x3b"), 3, X86_OP_MOV, 1, G(0), 0x5a,
	  { { RDI, 0xffff }, END }, { { 'R', G(0), 1, 0x5a } }, 1, { { RDI, 0xff5a }, END } },
	/* addressing */
	{ "mov 0x100(%rip),%eax", M64, B("\x8b\x05\x00\x01\x00\x00"), 6, X86_OP_MOV, 4, G(0),
	  0xcafe, { END }, { { 'R', G(0), 4, 0xcafe } }, 1, { { RAX, 0xcafe }, END }, true,
	  RIP0 + 6 + 0x100 },
	{ "mov %eax,-0x10(%rip)", M64, B("\x89\x05\xf0\xff\xff\xff"), 6, X86_OP_MOV, 4, G(0), 0,
	  { { RAX, 7 }, END }, { { 'W', G(0), 4, 7 } }, 1, { END }, true, RIP0 + 6 - 0x10 },
	{ "movabs 0xfeb00008,%eax", M64, B("\xa1\x08\x00\xb0\xfe\x00\x00\x00\x00"), 9, X86_OP_MOV,
	  4, G(8), 0x77, { END }, { { 'R', G(8), 4, 0x77 } }, 1, { { RAX, 0x77 }, END }, true,
	  0xfeb00008 },
	{ "movabs %al,0xfeb00020", M64, B("\xa2\x20\x00\xb0\xfe\x00\x00\x00\x00"), 9, X86_OP_MOV,
	  1, G(0x20), 0, { { RAX, 0x99 }, END }, { { 'W', G(0x20), 1, 0x99 } }, 1, { END }, true,
	  0xfeb00020 },
	{ "movabs %rax,0xfeb00010", M64, B("\x48\xa3\x10\x00\xb0\xfe\x00\x00\x00\x00"), 10,
	  X86_OP_MOV, 8, G(0x10), 0, { { RAX, 0x99 }, END }, { { 'W', G(0x10), 8, 0x99 } }, 1,
	  { END }, true, 0xfeb00010 },
	{ "mov 0xfeb00008(addr32),%eax", M64, B("\x67\xa1\x08\x00\xb0\xfe"), 6, X86_OP_MOV, 4,
	  G(8), 0x77, { END }, { { 'R', G(8), 4, 0x77 } }, 1, { { RAX, 0x77 }, END }, true,
	  0xfeb00008 },
	{ "mov %eax,0xfeb00000 (sib, no base)", M64, B("\x89\x04\x25\x00\x00\xb0\xfe"), 7,
	  X86_OP_MOV, 4, G(0), 0, { { RAX, 1 }, END }, { { 'W', G(0), 4, 1 } }, 1, { END }, true,
	  0xfffffffffeb00000 },
	{ "mov %eax,0x8(%rbx,%rcx,4)", M64, B("\x89\x44\x8b\x08"), 4, X86_OP_MOV, 4, G(0x18), 0,
	  { { RAX, 1 }, { RBX, MMIO_GLA }, { RCX, 4 }, END }, { { 'W', G(0x18), 4, 1 } }, 1,
	  { END }, true, MMIO_GLA + 0x18 },
	{ "mov %eax,(%ebx) addr32", M64, B("\x67\x89\x03"), 3, X86_OP_MOV, 4, G(0), 0,
	  { { RAX, 1 }, { RBX, 0x170000000 }, END }, { { 'W', G(0), 4, 1 } }, 1, { END }, true,
	  MMIO_GLA },
	{ "mov %eax,%fs:(%rbx)", M64, B("\x64\x89\x03"), 3, X86_OP_MOV, 4, G(0), 0,
	  { { RAX, 1 }, END }, { { 'W', G(0), 4, 1 } }, 1, { END } },
	{ "rep prefix ignored on mov", M64, B("\xf3\x89\x03"), 3, X86_OP_MOV, 4, G(0), 0,
	  { { RAX, 1 }, { RCX, 5 }, END }, { { 'W', G(0), 4, 1 } }, 1, { END } },
	/* --- ALU --- */
	{ "andl $~1,(%rax)", M64, B("\x83\x20\xfe"), 3, X86_OP_AND, 4, G(0), 3,
	  { { R_FLAGS, RFLAGS0 | F_CF | F_OF | F_ZF | F_AF }, END },
	  { { 'R', G(0), 4, 3 }, { 'W', G(0), 4, 2 } }, 2, { { R_FLAGS, RFLAGS0 }, END } },
	{ "andl $0,(%rax)", M64, B("\x83\x20\x00"), 3, X86_OP_AND, 4, G(0), 3, { END },
	  { { 'R', G(0), 4, 3 }, { 'W', G(0), 4, 0 } }, 2,
	  { { R_FLAGS, RFLAGS0 | F_ZF | F_PF }, END } },
	{ "andl $0xff00ff00,(%rax) imm32", M64, B("\x81\x20\x00\xff\x00\xff"), 6, X86_OP_AND, 4,
	  G(0), 0xf0f0f0f0, { END },
	  { { 'R', G(0), 4, 0xf0f0f0f0 }, { 'W', G(0), 4, 0xf000f000 } }, 2,
	  { { R_FLAGS, RFLAGS0 | F_SF | F_PF }, END } },
	{ "andq $-16,(%rax)", M64, B("\x48\x83\x20\xf0"), 4, X86_OP_AND, 8, G(0),
	  0x123456789abcdefULL, { END },
	  { { 'R', G(0), 8, 0x123456789abcdefULL }, { 'W', G(0), 8, 0x123456789abcde0ULL } }, 2,
	  { { R_FLAGS, RFLAGS0 }, END } },
	{ "and (%rbx),%cl", M64, B("\x22\x0b"), 2, X86_OP_AND, 1, G(0), 0x0f,
	  { { RCX, 0xffff }, END }, { { 'R', G(0), 1, 0x0f } }, 1,
	  { { RCX, 0xff0f }, { R_FLAGS, RFLAGS0 | F_PF }, END } },
	{ "orb $0x1,(%rbx)", M64, B("\x80\x0b\x01"), 3, X86_OP_OR, 1, G(0), 0x80, { END },
	  { { 'R', G(0), 1, 0x80 }, { 'W', G(0), 1, 0x81 } }, 2,
	  { { R_FLAGS, RFLAGS0 | F_SF | F_PF }, END } },
	{ "or %eax,(%rbx)", M64, B("\x09\x03"), 2, X86_OP_OR, 4, G(0), 0x100,
	  { { RAX, 0x1 }, END }, { { 'R', G(0), 4, 0x100 }, { 'W', G(0), 4, 0x101 } }, 2,
	  { { R_FLAGS, RFLAGS0 }, END } },
	{ "add %eax,(%rbx) overflow", M64, B("\x01\x03"), 2, X86_OP_ADD, 4, G(0), 0x7fffffff,
	  { { RAX, 1 }, END }, { { 'R', G(0), 4, 0x7fffffff }, { 'W', G(0), 4, 0x80000000 } }, 2,
	  { { R_FLAGS, RFLAGS0 | F_OF | F_SF | F_AF | F_PF }, END } },
	{ "addb $1,(%rbx) carry", M64, B("\x80\x03\x01"), 3, X86_OP_ADD, 1, G(0), 0xff, { END },
	  { { 'R', G(0), 1, 0xff }, { 'W', G(0), 1, 0 } }, 2,
	  { { R_FLAGS, RFLAGS0 | F_CF | F_ZF | F_AF | F_PF }, END } },
	{ "add (%rbx),%rdx", M64, B("\x48\x03\x13"), 3, X86_OP_ADD, 8, G(0), 0x8000000000000000,
	  { { RDX, 0x8000000000000000 }, END }, { { 'R', G(0), 8, 0x8000000000000000 } }, 1,
	  { { RDX, 0 }, { R_FLAGS, RFLAGS0 | F_CF | F_OF | F_ZF | F_PF }, END } },
	{ "addw $0x1234,(%rbx)", M64, B("\x66\x81\x03\x34\x12"), 5, X86_OP_ADD, 2, G(0), 0x1,
	  { END }, { { 'R', G(0), 2, 1 }, { 'W', G(0), 2, 0x1235 } }, 2,
	  { { R_FLAGS, RFLAGS0 | F_PF }, END } },
	{ "sub (%rbx),%ecx", M64, B("\x2b\x0b"), 2, X86_OP_SUB, 4, G(0), 7,
	  { { RCX, 0xffffffff00000005 }, END }, { { 'R', G(0), 4, 7 } }, 1,
	  { { RCX, 0xfffffffe }, { R_FLAGS, RFLAGS0 | F_CF | F_SF | F_AF }, END } },
	{ "subl $1,(%rbx)", M64, B("\x83\x2b\x01"), 3, X86_OP_SUB, 4, G(0), 0x80000000, { END },
	  { { 'R', G(0), 4, 0x80000000 }, { 'W', G(0), 4, 0x7fffffff } }, 2,
	  { { R_FLAGS, RFLAGS0 | F_OF | F_AF | F_PF }, END } },
	{ "sub %al,(%rbx)", M64, B("\x28\x03"), 2, X86_OP_SUB, 1, G(0), 0x10,
	  { { RAX, 0x10 }, END }, { { 'R', G(0), 1, 0x10 }, { 'W', G(0), 1, 0 } }, 2,
	  { { R_FLAGS, RFLAGS0 | F_ZF | F_PF }, END } },
	{ "cmpl $5,(%rbx) equal", M64, B("\x83\x3b\x05"), 3, X86_OP_CMP, 4, G(0), 5, { END },
	  { { 'R', G(0), 4, 5 } }, 1, { { R_FLAGS, RFLAGS0 | F_ZF | F_PF }, END } },
	{ "cmpl $5,(%rbx) below", M64, B("\x83\x3b\x05"), 3, X86_OP_CMP, 4, G(0), 3, { END },
	/* 0xfffffffe: odd parity */
	  { { 'R', G(0), 4, 3 } }, 1, { { R_FLAGS, RFLAGS0 | F_CF | F_SF | F_AF }, END } },
	{ "cmp %rax,(%rbx) overflow", M64, B("\x48\x39\x03"), 3, X86_OP_CMP, 8, G(0),
	  0x8000000000000000, { { RAX, 1 }, END }, { { 'R', G(0), 8, 0x8000000000000000 } }, 1,
	  { { R_FLAGS, RFLAGS0 | F_OF | F_AF | F_PF }, END } },
	{ "cmp (%rbx),%dl", M64, B("\x3a\x13"), 2, X86_OP_CMP, 1, G(0), 0x01,
	  { { RDX, 0x80 }, END }, { { 'R', G(0), 1, 1 } }, 1,
	  { { R_FLAGS, RFLAGS0 | F_OF | F_AF }, END } },
	{ "xor %eax,(%rbx)", M64, B("\x31\x03"), 2, X86_OP_XOR, 4, G(0), 0xff00ff00,
	  { { RAX, 0xffffffff }, { R_FLAGS, RFLAGS0 | F_CF | F_OF }, END },
	  { { 'R', G(0), 4, 0xff00ff00 }, { 'W', G(0), 4, 0x00ff00ff } }, 2,
	  { { R_FLAGS, RFLAGS0 | F_PF }, END } },
	{ "xorb $0xff,(%rbx)", M64, B("\x80\x33\xff"), 3, X86_OP_XOR, 1, G(0), 0x0f, { END },
	  { { 'R', G(0), 1, 0x0f }, { 'W', G(0), 1, 0xf0 } }, 2,
	  { { R_FLAGS, RFLAGS0 | F_SF | F_PF }, END } },
	{ "lock addl $1,(%rbx)", M64, B("\xf0\x83\x03\x01"), 4, X86_OP_ADD, 4, G(0), 1, { END },
	  { { 'R', G(0), 4, 1 }, { 'W', G(0), 4, 2 } }, 2, { { R_FLAGS, RFLAGS0 }, END } },
	/* --- TEST, BT --- */
	{ "test %eax,(%rdx) zero", M64, B("\x85\x02"), 2, X86_OP_TEST, 4, G(0), 0xf0,
	  { { RAX, 0x0f }, { R_FLAGS, RFLAGS0 | F_CF | F_OF }, END }, { { 'R', G(0), 4, 0xf0 } },
	  1, { { R_FLAGS, RFLAGS0 | F_ZF | F_PF }, END } },
	{ "test %cl,(%rdx)", M64, B("\x84\x0a"), 2, X86_OP_TEST, 1, G(0), 0x81,
	  { { RCX, 0x01 }, END }, { { 'R', G(0), 1, 0x81 } }, 1, { END } },
	{ "testb $0x80,(%rdx)", M64, B("\xf6\x02\x80"), 3, X86_OP_TEST, 1, G(0), 0x80, { END },
	  { { 'R', G(0), 1, 0x80 } }, 1, { { R_FLAGS, RFLAGS0 | F_SF }, END } },
	{ "testl $0x10000,(%rdx)", M64, B("\xf7\x02\x00\x00\x01\x00"), 6, X86_OP_TEST, 4, G(0),
	  0x30000, { END }, { { 'R', G(0), 4, 0x30000 } }, 1, { { R_FLAGS, RFLAGS0 | F_PF }, END } },
	{ "testq $-1,(%rdx)", M64, B("\x48\xf7\x02\xff\xff\xff\xff"), 7, X86_OP_TEST, 8, G(0),
	  0x8000000000000000, { END }, { { 'R', G(0), 8, 0x8000000000000000 } }, 1,
	  { { R_FLAGS, RFLAGS0 | F_SF | F_PF }, END } },
	{ "bt %eax,(%rbx)", M64, B("\x0f\xa3\x03"), 3, X86_OP_BT, 4, G(0), 0x8,
	  { { RAX, 35 }, { R_FLAGS, RFLAGS0 | F_ZF }, END }, { { 'R', G(0), 4, 0x8 } }, 1,
	  { { R_FLAGS, RFLAGS0 | F_ZF | F_CF }, END } },
	{ "btl $5,(%rbx)", M64, B("\x0f\xba\x23\x05"), 4, X86_OP_BT, 4, G(0), 0x10,
	  { { R_FLAGS, RFLAGS0 | F_CF }, END }, { { 'R', G(0), 4, 0x10 } }, 1,
	  { { R_FLAGS, RFLAGS0 }, END } },
	{ "btq $63,(%rbx)", M64, B("\x48\x0f\xba\x23\x3f"), 5, X86_OP_BT, 8, G(0),
	  0x8000000000000000, { END }, { { 'R', G(0), 8, 0x8000000000000000 } }, 1,
	  { { R_FLAGS, RFLAGS0 | F_CF }, END } },
	{ "btw %r9w,(%rbx)", M64, B("\x66\x44\x0f\xa3\x0b"), 5, X86_OP_BT, 2, G(0), 0x8000,
	  { { X86_REG_R9, 0x1f }, END }, { { 'R', G(0), 2, 0x8000 } }, 1,
	  { { R_FLAGS, RFLAGS0 | F_CF }, END } },
	/* --- XCHG --- */
	{ "xchg %eax,(%rbx)", M64, B("\x87\x03"), 2, X86_OP_XCHG, 4, G(0), 0x11,
	  { { RAX, 0xffffffff22222222 }, END },
	  { { 'R', G(0), 4, 0x11 }, { 'W', G(0), 4, 0x22222222 } }, 2, { { RAX, 0x11 }, END } },
	{ "xchg %cl,(%rbx)", M64, B("\x86\x0b"), 2, X86_OP_XCHG, 1, G(0), 0x11,
	  { { RCX, 0x1234 }, END }, { { 'R', G(0), 1, 0x11 }, { 'W', G(0), 1, 0x34 } }, 2,
	  { { RCX, 0x1211 }, END } },
	{ "lock xchg %r11,(%rbx)", M64, B("\xf0\x4c\x87\x1b"), 4, X86_OP_XCHG, 8, G(0), 0x11,
	  { { X86_REG_R11, 0x99 }, END }, { { 'R', G(0), 8, 0x11 }, { 'W', G(0), 8, 0x99 } }, 2,
	  { { X86_REG_R11, 0x11 }, END } },
	/* --- 32-bit protected mode --- */
	{ "p32 mov 0xfeb00008,%eax", M32, B("\xa1\x08\x00\xb0\xfe"), 5, X86_OP_MOV, 4, G(8), 0x77,
	  { END }, { { 'R', G(8), 4, 0x77 } }, 1, { { RAX, 0x77 }, END }, true, 0xfeb00008 },
	{ "p32 mov %eax,0xfeb00000 (disp32, not rip)", M32, B("\x89\x05\x00\x00\xb0\xfe"), 6,
	  X86_OP_MOV, 4, G(0), 0, { { RAX, 1 }, END }, { { 'W', G(0), 4, 1 } }, 1, { END }, true,
	  0xfeb00000 },
	{ "p32 mov %ax,(%ebx)", M32, B("\x66\x89\x03"), 3, X86_OP_MOV, 2, G(0), 0,
	  { { RAX, 0xabcd }, END }, { { 'W', G(0), 2, 0xabcd } }, 1, { END } },
	{ "p32 movl $1,(%ebx) rip wraps", M32, B("\xc7\x03\x01\x00\x00\x00"), 6, X86_OP_MOV, 4,
	  G(0), 0, { { R_RIP, 0xfffffffe }, END }, { { 'W', G(0), 4, 1 } }, 1,
	  { { R_RIP, 4 }, END } },
	{ "p32 mov (%bx,%si) addr16", M32, B("\x67\x8b\x00"), 3, X86_OP_MOV, 4, G(0), 5,
	  { { RBX, 0x10001 }, { RSI, 0xffff }, END }, { { 'R', G(0), 4, 5 } }, 1,
	  { { RAX, 5 }, END }, true, 0 },
	/* --- 16-bit --- */
	{ "real mov %ax,(%bx,%si)", MR, B("\x89\x00"), 2, X86_OP_MOV, 2, G(0), 0,
	  { { RAX, 0x1234 }, { RBX, 0xfff0 }, { RSI, 0x20 }, { R_RIP, 0xffff }, END },
	  { { 'W', G(0), 2, 0x1234 } }, 1, { { R_RIP, 0x1 }, END }, true, 0x10 },
	{ "real mov %eax,0x10(%bp)", MR, B("\x66\x89\x46\x10"), 4, X86_OP_MOV, 4, G(0), 0,
	  { { RAX, 0x12345678 }, { RBP, 0x100 }, { R_RIP, 0x7c00 }, END },
	  { { 'W', G(0), 4, 0x12345678 } }, 1, { { R_RIP, 0x7c04 }, END }, true, 0x110 },
	{ "real mov %ax,0x1234", MR, B("\x89\x06\x34\x12"), 4, X86_OP_MOV, 2, G(0), 0,
	  { { RAX, 0x55aa }, { R_RIP, 0x100 }, END }, { { 'W', G(0), 2, 0x55aa } }, 1,
	  { { R_RIP, 0x104 }, END }, true, 0x1234 },
	{ "real mov %ax,-2(%di)", MR, B("\x89\x85\xfe\xff"), 4, X86_OP_MOV, 2, G(0), 0,
	  { { RAX, 1 }, { RDI, 1 }, { R_RIP, 0x100 }, END }, { { 'W', G(0), 2, 1 } }, 1,
	  { { R_RIP, 0x104 }, END }, true, 0xffff },
	{ "real mov %eax,(%ebx) addr32", MR, B("\x67\x66\x89\x03"), 4, X86_OP_MOV, 4, G(0), 0,
	  { { RAX, 0xdeadbeef }, { RBX, 0xfeb00000 }, { R_RIP, 0x100 }, END },
	  { { 'W', G(0), 4, 0xdeadbeef } }, 1, { { R_RIP, 0x104 }, END }, true, 0xfeb00000 },
	{ "prot16 movl $imm32,(%bp,%di)", M16, B("\x66\xc7\x03\x78\x56\x34\x12"), 7, X86_OP_MOV, 4,
	  G(0), 0, { { R_RIP, 0x100 }, END }, { { 'W', G(0), 4, 0x12345678 } }, 1,
	  { { R_RIP, 0x107 }, END } },
	{ "prot16 movb (%bx),%ah", M16, B("\x8a\x27"), 2, X86_OP_MOV, 1, G(0), 0x42,
	  { { RAX, 0xffff }, { R_RIP, 0x100 }, END }, { { 'R', G(0), 1, 0x42 } }, 1,
	  { { RAX, 0x42ff }, { R_RIP, 0x102 }, END } },
};
/* clang-format on */

static void run_case(const void *data)
{
	const struct emul_case *c = data;
	struct x86_regs regs, want;
	struct x86_insn insn;
	uint64_t ea;
	int ret;

	env_reset();
	ret = x86_insn_decode((const uint8_t *)c->bytes, c->nbytes, c->mode, &insn);
	g_assert_cmpint(ret, ==, 0);
	g_assert_cmpuint(insn.len, ==, c->len);
	g_assert_cmpuint(insn.op, ==, c->op);
	g_assert_cmpuint(insn.opsize, ==, c->opsize);

	/* Trailing bytes change nothing. */
	{
		uint8_t buf[32];
		struct x86_insn again;

		memset(buf, 0x90, sizeof(buf));
		memcpy(buf, c->bytes, c->nbytes);
		g_assert_cmpint(x86_insn_decode(buf, sizeof(buf), c->mode, &again), ==, 0);
		g_assert_cmpmem(&again, sizeof(again), &insn, sizeof(insn));
	}

	regs_init(&regs);
	regs_apply(&regs, c->in, MAXR);
	want = regs;
	want.rip = c->mode == X86_MODE_LONG64 ? regs.rip + c->len : regs.rip + c->len;
	regs_apply(&want, c->out, MAXR);

	if (c->has_ea) {
		g_assert_cmpint(x86_insn_mem_offset(&insn, &regs, &ea), ==, 0);
		g_assert_cmphex(ea, ==, c->ea);
	}

	mmio_set(c->gpa, 8, c->init);
	ret = x86_insn_emulate(&insn, &regs, c->gpa, &ops, &env);
	g_assert_cmpint(ret, ==, 0);
	log_assert(c->acc, c->nacc);
	regs_assert_equal(&regs, &want);
}

/* ---- decode errors ----------------------------------------------------- */

struct bad_case {
	const char *name;
	enum x86_cpu_mode mode;
	const char *bytes;
	unsigned nbytes;
	int err;
};

/* One line per case reads better than clang-format's one line per field. */
/* clang-format off */
static const struct bad_case bad_cases[] = {
	{ "empty", M64, B(""), -EFAULT },
	{ "opcode only", M64, B("\x89"), -EFAULT },
	{ "missing disp8", M64, B("\x89\x43"), -EFAULT },
	{ "missing sib", M64, B("\x89\x04"), -EFAULT },
	{ "missing disp32", M64, B("\x89\x04\x25\x00\x00"), -EFAULT },
	{ "missing imm", M64, B("\xc7\x07\x78\x56"), -EFAULT },
	{ "missing imm8", M64, B("\x0f\xba\x23"), -EFAULT },
	{ "missing moffs", M64, B("\xa1\x08\x00\xb0\xfe"), -EFAULT },
	{ "prefix only", M64, B("\xf3"), -EFAULT },
	{ "rex only", M64, B("\x48"), -EFAULT },
	{ "escape only", M64, B("\x0f"), -EFAULT },
	{ "real missing disp16", MR, B("\x89\x06\x34"), -EFAULT },
	{ "nop", M64, B("\x90"), -EINVAL },
	{ "ud2", M64, B("\x0f\x0b"), -EINVAL },
	{ "register operand", M64, B("\x89\xc0"), -EINVAL },
	{ "register operand group1", M64, B("\x83\xc0\x01"), -EINVAL },
	{ "xabort", M64, B("\xc6\xf8\x00"), -EINVAL },
	{ "c7 reg-field 1", M64, B("\xc7\x4b\x10\x00\x00\x00\x00"), -EINVAL },
	{ "not (f6 reg-field 2)", M64, B("\xf6\x13"), -EINVAL },
	{ "neg (f7 reg-field 3)", M64, B("\xf7\x1b"), -EINVAL },
	{ "adc", M64, B("\x80\x13\x01"), -EINVAL },
	{ "sbb", M64, B("\x80\x1b\x01"), -EINVAL },
	{ "adc rm,reg", M64, B("\x11\x03"), -EINVAL },
	{ "82 alias", M32, B("\x82\x03\x01"), -EINVAL },
	{ "bts imm", M64, B("\x0f\xba\x2b\x01"), -EINVAL },
	{ "bts reg", M64, B("\x0f\xab\x03"), -EINVAL },
	{ "inc mem", M64, B("\xff\x03"), -EINVAL },
	{ "lock mov", M64, B("\xf0\x89\x03"), -EINVAL },
	{ "lock load", M64, B("\xf0\x8b\x03"), -EINVAL },
	{ "lock cmp", M64, B("\xf0\x39\x03"), -EINVAL },
	{ "lock add to reg", M64, B("\xf0\x03\x03"), -EINVAL },
	{ "lock test", M64, B("\xf0\x85\x03"), -EINVAL },
	{ "lock stos", M64, B("\xf0\xab"), -EINVAL },
	{ "inc eax in 32-bit", M32, B("\x40\x89\x03"), -EINVAL },
	{ "vex", M64, B("\xc5\xf9\x6f\x03"), -EINVAL },
	{ "0f 38 map", M64, B("\x0f\x38\x00\x03"), -EINVAL },
	{ "arpl outside 64-bit mode", M32, B("\x63\x03"), -EINVAL },
	{ "16 bytes", M64, B("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x89\x03"),
	  -EINVAL },
	{ "16 bytes, 15 given", M64,
	  B("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x89"), -EINVAL },
	{ "15 prefixes", M64, B("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66"),
	  -EINVAL },
	{ "imm past 15", M64,
	  B("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x48\xc7\x03\x00\x00\x00"), -EINVAL },
};
/* clang-format on */

static void run_bad_case(const void *data)
{
	const struct bad_case *c = data;
	struct x86_insn insn;

	memset(&insn, 0xcc, sizeof(insn));
	g_assert_cmpint(x86_insn_decode((const uint8_t *)c->bytes, c->nbytes, c->mode, &insn), ==,
	                c->err);
	g_assert_cmpuint(insn.len, ==, 0);
}

static void test_max_length(void)
{
	static const uint8_t fifteen[] = { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		                           0x66, 0x66, 0x66, 0x66, 0x66, 0x89, 0x03 };
	struct x86_insn insn;

	g_assert_cmpint(x86_insn_decode(fifteen, sizeof(fifteen), M64, &insn), ==, 0);
	g_assert_cmpuint(insn.len, ==, 15);
	g_assert_cmpuint(insn.opsize, ==, 2);
	/* One byte short: needs more. */
	g_assert_cmpint(x86_insn_decode(fifteen, 14, M64, &insn), ==, -EFAULT);
	g_assert_cmpint(x86_insn_decode(NULL, 0, M64, &insn), ==, -EFAULT);
	g_assert_cmpint(x86_insn_decode(NULL, 4, M64, &insn), ==, -EINVAL);
	g_assert_cmpint(x86_insn_decode(fifteen, 15, (enum x86_cpu_mode)7, &insn), ==, -EINVAL);
	g_assert_cmpint(x86_insn_decode(fifteen, 15, M64, NULL), ==, -EINVAL);
}

/* Every strict prefix of every valid case asks for more bytes. */
static void test_truncation(void)
{
	struct x86_insn insn;

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++)
		for (unsigned n = 0; n < cases[i].len; n++)
			g_assert_cmpint(x86_insn_decode((const uint8_t *)cases[i].bytes, n,
			                                cases[i].mode, &insn),
			                ==, -EFAULT);
}

static void test_decode_fields(void)
{
	struct x86_insn in;

	/* lock add %r8d,0x12345678(%r13,%r14,8) under %gs */
	g_assert_cmpint(x86_insn_decode((const uint8_t *)"\x65\xf0\x47\x01\x84\xf5\x78\x56\x34\x12",
	                                10, M64, &in),
	                ==, 0);
	g_assert_cmpuint(in.len, ==, 10);
	g_assert_cmpuint(in.rex, ==, 0x47);
	g_assert_cmpuint(in.reg, ==, X86_REG_R8);
	g_assert_cmpuint(in.base, ==, X86_REG_R13);
	g_assert_cmpuint(in.index, ==, X86_REG_R14);
	g_assert_cmpuint(in.scale, ==, 8);
	g_assert_cmpint(in.disp, ==, 0x12345678);
	g_assert_cmpuint(in.seg, ==, X86_SEG_GS);
	g_assert_true(in.flags & X86_INSN_LOCK);
	g_assert_true(in.flags & X86_INSN_SEG_OVERRIDE);
	g_assert_true(in.flags & X86_INSN_SIB);
	g_assert_true(in.flags & X86_INSN_MEM_DST);

	/* (%rbp) and (%rsp) default to SS, r12/r13 bases too, (%rbx) to DS. */
	g_assert_cmpint(x86_insn_decode((const uint8_t *)"\x89\x45\x00", 3, M64, &in), ==, 0);
	g_assert_cmpuint(in.seg, ==, X86_SEG_SS);
	g_assert_cmpint(x86_insn_decode((const uint8_t *)"\x89\x04\x24", 3, M64, &in), ==, 0);
	g_assert_cmpuint(in.seg, ==, X86_SEG_SS);
	g_assert_cmpint(x86_insn_decode((const uint8_t *)"\x89\x03", 2, M64, &in), ==, 0);
	g_assert_cmpuint(in.seg, ==, X86_SEG_DS);
	g_assert_cmpint(x86_insn_decode((const uint8_t *)"\x89\x02", 2, MR, &in), ==, 0);
	g_assert_cmpuint(in.seg, ==, X86_SEG_SS); /* [bp+si] */
	g_assert_cmpint(x86_insn_decode((const uint8_t *)"\x26\x89\x02", 3, MR, &in), ==, 0);
	g_assert_cmpuint(in.seg, ==, X86_SEG_ES);

	/* RIP-relative only in 64-bit mode; index 100b with REX.X is r12. */
	g_assert_cmpint(x86_insn_decode((const uint8_t *)"\x8b\x05\x00\x00\x00\x00", 6, M64, &in),
	                ==, 0);
	g_assert_true(in.flags & X86_INSN_RIP_REL);
	g_assert_cmpuint(in.base, ==, X86_REG_RIP);
	g_assert_cmpint(x86_insn_decode((const uint8_t *)"\x42\x8b\x04\x20", 4, M64, &in), ==, 0);
	g_assert_cmpuint(in.index, ==, X86_REG_R12);
	g_assert_cmpuint(in.base, ==, X86_REG_RAX);
	g_assert_cmpint(x86_insn_decode((const uint8_t *)"\x8b\x04\x20", 3, M64, &in), ==, 0);
	g_assert_cmpuint(in.index, ==, X86_REG_NONE);

	/* String ops and their prefixes. */
	g_assert_cmpint(x86_insn_decode((const uint8_t *)"\xf3\x48\xab", 3, M64, &in), ==, 0);
	g_assert_cmpuint(in.op, ==, X86_OP_STOS);
	g_assert_cmpuint(in.opsize, ==, 8);
	g_assert_true(in.flags & X86_INSN_REP);
	g_assert_cmpint(x86_insn_decode((const uint8_t *)"\xf2\xa4", 2, M64, &in), ==, 0);
	g_assert_true(in.flags & X86_INSN_REP);
	g_assert_cmpuint(in.rep, ==, 0xf2);
	g_assert_cmpint(x86_insn_decode((const uint8_t *)"\x66\xa5", 2, M32, &in), ==, 0);
	g_assert_cmpuint(in.op, ==, X86_OP_MOVS);
	g_assert_cmpuint(in.opsize, ==, 2);
	g_assert_false(in.flags & X86_INSN_REP);
	g_assert_cmpint(x86_insn_decode((const uint8_t *)"\x67\xaa", 2, M64, &in), ==, 0);
	g_assert_cmpuint(in.addrsize, ==, 4);
	g_assert_cmpint(x86_insn_decode((const uint8_t *)"\xab", 1, MR, &in), ==, 0);
	g_assert_cmpuint(in.addrsize, ==, 2);
	g_assert_cmpuint(in.opsize, ==, 2);
}

/* ---- string instructions ----------------------------------------------- */

static int emulate_bytes(const char *bytes, unsigned n, enum x86_cpu_mode mode,
                         struct x86_regs *regs, uint64_t gpa, const struct x86_emul_ops *o)
{
	struct x86_insn insn;
	int ret = x86_insn_decode((const uint8_t *)bytes, n, mode, &insn);

	g_assert_cmpint(ret, ==, 0);
	return x86_insn_emulate(&insn, regs, gpa, o, &env);
}

#define EMUL(s, mode, regs, gpa) emulate_bytes(s, sizeof(s) - 1, mode, regs, gpa, &ops)

static void test_rep_stosl(void)
{
	struct x86_regs r;

	env_reset();
	regs_init(&r);
	r.gpr[RCX] = 4;
	r.gpr[RDI] = MMIO_GLA + 0x100;
	r.gpr[RAX] = 0x11deadbeef;
	g_assert_cmpint(EMUL("\xf3\xab", M64, &r, G(0x100)), ==, 0);
	{
		const struct access want[] = {
			{ 'W', G(0x100), 4, 0xdeadbeef },
			{ 'W', G(0x104), 4, 0xdeadbeef },
			{ 'W', G(0x108), 4, 0xdeadbeef },
			{ 'W', G(0x10c), 4, 0xdeadbeef },
		};
		log_assert(want, ARRAY_SIZE(want));
	}
	g_assert_cmphex(r.gpr[RCX], ==, 0);
	g_assert_cmphex(r.gpr[RDI], ==, MMIO_GLA + 0x110);
	g_assert_cmphex(r.rip, ==, RIP0 + 2);
	g_assert_cmphex(r.gpr[RAX], ==, 0x11deadbeef);

	/* DF = 1 goes down. */
	env_reset();
	regs_init(&r);
	r.rflags |= X86_RFLAGS_DF;
	r.gpr[RCX] = 3;
	r.gpr[RDI] = MMIO_GLA + 0x100;
	r.gpr[RAX] = 0x5a;
	g_assert_cmpint(EMUL("\xf3\xaa", M64, &r, G(0x100)), ==, 0);
	{
		const struct access want[] = {
			{ 'W', G(0x100), 1, 0x5a },
			{ 'W', G(0xff), 1, 0x5a },
			{ 'W', G(0xfe), 1, 0x5a },
		};
		log_assert(want, ARRAY_SIZE(want));
	}
	g_assert_cmphex(r.gpr[RDI], ==, MMIO_GLA + 0xfd);
	g_assert_cmphex(r.gpr[RCX], ==, 0);
	g_assert_cmphex(r.rip, ==, RIP0 + 2);
}

static void test_stos_norep(void)
{
	struct x86_regs r;

	env_reset();
	regs_init(&r);
	r.gpr[RCX] = 9;
	r.gpr[RDI] = MMIO_GLA + 0x20;
	r.gpr[RAX] = 0x1122334455667788;
	g_assert_cmpint(EMUL("\x48\xab", M64, &r, G(0x20)), ==, 0);
	{
		const struct access want[] = { { 'W', G(0x20), 8, 0x1122334455667788 } };
		log_assert(want, 1);
	}
	g_assert_cmphex(r.gpr[RCX], ==, 9);
	g_assert_cmphex(r.gpr[RDI], ==, MMIO_GLA + 0x28);
	g_assert_cmphex(r.rip, ==, RIP0 + 2);

	/* rep with rCX = 0: nothing happens but RIP moves. */
	env_reset();
	regs_init(&r);
	r.gpr[RCX] = 0;
	r.gpr[RDI] = MMIO_GLA;
	g_assert_cmpint(EMUL("\xf3\xab", M64, &r, G(0)), ==, 0);
	g_assert_cmpuint(env.nlog, ==, 0);
	g_assert_cmphex(r.gpr[RDI], ==, MMIO_GLA);
	g_assert_cmphex(r.rip, ==, RIP0 + 2);
}

/* A REP stops at the end of the MMIO page; re-executing continues. */
static void test_rep_page_end(void)
{
	struct x86_regs r;

	env_reset();
	regs_init(&r);
	r.gpr[RCX] = 10;
	r.gpr[RDI] = MMIO_GLA + 0xff0;
	r.gpr[RAX] = 7;
	g_assert_cmpint(EMUL("\xf3\x48\xab", M64, &r, G(0xff0)), ==, 0);
	g_assert_cmpuint(env.nlog, ==, 2);
	g_assert_cmphex(env.log[1].addr, ==, G(0xff8));
	g_assert_cmphex(r.gpr[RCX], ==, 8);
	g_assert_cmphex(r.gpr[RDI], ==, MMIO_GLA + 0x1000);
	g_assert_cmphex(r.rip, ==, RIP0);

	/* The guest re-executes and faults on the next page. */
	g_assert_cmpint(EMUL("\xf3\x48\xab", M64, &r, G(0x1000)), ==, 0);
	g_assert_cmpuint(env.nlog, ==, 10);
	g_assert_cmphex(env.log[9].addr, ==, G(0x1038));
	g_assert_cmphex(r.gpr[RCX], ==, 0);
	g_assert_cmphex(r.gpr[RDI], ==, MMIO_GLA + 0x1040);
	g_assert_cmphex(r.rip, ==, RIP0 + 3);

	/* Going down stops at the start of the page. */
	env_reset();
	regs_init(&r);
	r.rflags |= X86_RFLAGS_DF;
	r.gpr[RCX] = 10;
	r.gpr[RDI] = MMIO_GLA + 0x1004;
	g_assert_cmpint(EMUL("\xf3\xab", M64, &r, G(0x1004)), ==, 0);
	g_assert_cmpuint(env.nlog, ==, 2);
	g_assert_cmphex(env.log[1].addr, ==, G(0x1000));
	g_assert_cmphex(r.gpr[RCX], ==, 8);
	g_assert_cmphex(r.gpr[RDI], ==, MMIO_GLA + 0xffc);
	g_assert_cmphex(r.rip, ==, RIP0);

	/* An element straddling the page end is done, then it stops. */
	env_reset();
	regs_init(&r);
	r.gpr[RCX] = 3;
	r.gpr[RDI] = MMIO_GLA + 0xffe;
	g_assert_cmpint(EMUL("\xf3\xab", M64, &r, G(0xffe)), ==, 0);
	g_assert_cmpuint(env.nlog, ==, 1);
	g_assert_cmphex(r.gpr[RCX], ==, 2);
	g_assert_cmphex(r.rip, ==, RIP0);
}

static void test_rep_cap(void)
{
	struct x86_regs r;

	env_reset();
	regs_init(&r);
	r.gpr[RCX] = 10000;
	r.gpr[RDI] = MMIO_GLA;
	g_assert_cmpint(EMUL("\xf3\xaa", M64, &r, G(0)), ==, 0);
	g_assert_cmpuint(env.nlog, ==, X86_EMUL_MAX_REP);
	g_assert_cmphex(r.gpr[RCX], ==, 10000 - X86_EMUL_MAX_REP);
	g_assert_cmphex(r.rip, ==, RIP0);
}

/* Address-size semantics: rCX/rDI at 32 and 16 bits. */
static void test_rep_addrsize(void)
{
	struct x86_regs r;

	/* addr32 in 64-bit mode: only ECX counts; ECX/EDI writes zero-extend. */
	env_reset();
	regs_init(&r);
	r.gpr[RCX] = 0xffffffff00000003;
	r.gpr[RDI] = 0xaaaaaaaa00000000 | MMIO_GLA;
	g_assert_cmpint(EMUL("\x67\xf3\xaa", M64, &r, G(0)), ==, 0);
	g_assert_cmpuint(env.nlog, ==, 3);
	g_assert_cmphex(r.gpr[RCX], ==, 0);
	g_assert_cmphex(r.gpr[RDI], ==, MMIO_GLA + 3);

	/* 16-bit: CX/DI merge, and DI wrapping at 64 KiB ends the batch. */
	env_reset();
	regs_init(&r);
	r.gpr[RCX] = 0x12340004;
	r.gpr[RDI] = 0x5678fffe;
	r.rip = 0x100;
	g_assert_cmpint(EMUL("\xf3\xaa", MR, &r, G(0x7fe)), ==, 0);
	g_assert_cmpuint(env.nlog, ==, 2);
	g_assert_cmphex(r.gpr[RCX], ==, 0x12340002);
	g_assert_cmphex(r.gpr[RDI], ==, 0x56780000);
	g_assert_cmphex(r.rip, ==, 0x100);
}

static void fill_ram(void)
{
	for (unsigned i = 0; i < RAM_SIZE; i++)
		env.ram[i] = (uint8_t)(i * 7 + 1);
}

static void test_rep_movsb_to_mmio(void)
{
	struct x86_regs r;

	env_reset();
	fill_ram();
	regs_init(&r);
	r.gpr[RCX] = 5;
	r.gpr[RSI] = RAM_GLA + 0x10;
	r.gpr[RDI] = MMIO_GLA + 0x20;
	g_assert_cmpint(EMUL("\xf3\xa4", M64, &r, G(0x20)), ==, 0);
	g_assert_cmpuint(env.nlog, ==, 5);
	for (unsigned i = 0; i < 5; i++) {
		g_assert_cmpint(env.log[i].type, ==, 'W');
		g_assert_cmphex(env.log[i].addr, ==, G(0x20 + i));
		g_assert_cmpuint(env.log[i].size, ==, 1);
		g_assert_cmphex(env.log[i].val, ==, env.ram[0x10 + i]);
	}
	g_assert_cmpuint(env.nmem, ==, 5);
	g_assert_cmphex(r.gpr[RCX], ==, 0);
	g_assert_cmphex(r.gpr[RSI], ==, RAM_GLA + 0x15);
	g_assert_cmphex(r.gpr[RDI], ==, MMIO_GLA + 0x25);
	g_assert_cmphex(r.rip, ==, RIP0 + 2);
}

static void test_rep_movsl_from_mmio(void)
{
	struct x86_regs r;

	env_reset();
	regs_init(&r);
	for (unsigned i = 0; i < 3; i++)
		mmio_set(G(0x40 + 4 * i), 4, 0x10203040u * (i + 1));
	r.gpr[RCX] = 3;
	r.gpr[RSI] = MMIO_GLA + 0x40;
	r.gpr[RDI] = RAM_GLA + 0x100;
	g_assert_cmpint(EMUL("\xf3\xa5", M64, &r, G(0x40)), ==, 0);
	g_assert_cmpuint(env.nlog, ==, 3);
	for (unsigned i = 0; i < 3; i++) {
		uint32_t v;

		g_assert_cmpint(env.log[i].type, ==, 'R');
		g_assert_cmphex(env.log[i].addr, ==, G(0x40 + 4 * i));
		memcpy(&v, &env.ram[0x100 + 4 * i], 4);
		g_assert_cmphex(v, ==, 0x10203040u * (i + 1));
	}
	g_assert_cmphex(r.gpr[RSI], ==, MMIO_GLA + 0x4c);
	g_assert_cmphex(r.gpr[RDI], ==, RAM_GLA + 0x10c);
	g_assert_cmphex(r.gpr[RCX], ==, 0);

	/* 16-bit elements, going down (66 after F3 is fine). */
	env_reset();
	regs_init(&r);
	mmio_set(G(0x40), 2, 0xaaaa);
	mmio_set(G(0x3e), 2, 0xbbbb);
	r.rflags |= X86_RFLAGS_DF;
	r.gpr[RCX] = 2;
	r.gpr[RSI] = MMIO_GLA + 0x40;
	r.gpr[RDI] = RAM_GLA + 0x202;
	g_assert_cmpint(EMUL("\xf3\x66\xa5", M64, &r, G(0x40)), ==, 0);
	g_assert_cmpuint(env.nlog, ==, 2);
	g_assert_cmphex(env.log[1].addr, ==, G(0x3e));
	g_assert_cmphex(env.ram[0x202], ==, 0xaa);
	g_assert_cmphex(env.ram[0x200], ==, 0xbb);
	g_assert_cmphex(r.gpr[RSI], ==, MMIO_GLA + 0x3c);
	g_assert_cmphex(r.gpr[RDI], ==, RAM_GLA + 0x1fe);
	g_assert_cmphex(r.rip, ==, RIP0 + 3);
}

static void test_movs_mmio_both(void)
{
	struct x86_regs r;

	/* memmove inside the device page: each element is read then written. */
	env_reset();
	regs_init(&r);
	mmio_set(G(0x10), 8, 0x0807060504030201);
	r.gpr[RCX] = 2;
	r.gpr[RSI] = MMIO_GLA + 0x10;
	r.gpr[RDI] = MMIO_GLA + 0x30;
	g_assert_cmpint(EMUL("\xf3\xa5", M64, &r, G(0x10)), ==, 0);
	{
		const struct access want[] = {
			{ 'R', G(0x10), 4, 0x04030201 },
			{ 'W', G(0x30), 4, 0x04030201 },
			{ 'R', G(0x14), 4, 0x08070605 },
			{ 'W', G(0x34), 4, 0x08070605 },
		};
		log_assert(want, ARRAY_SIZE(want));
	}
	g_assert_cmpuint(env.nmem, ==, 0);
}

static void test_movs_fs(void)
{
	struct x86_regs r;

	env_reset();
	fill_ram();
	env.fs_base = 0x8000;
	regs_init(&r);
	r.gpr[RSI] = RAM_GLA + 0x100 - 0x8000;
	r.gpr[RDI] = MMIO_GLA;
	g_assert_cmpint(EMUL("\x64\xa4", M64, &r, G(0)), ==, 0);
	g_assert_cmpuint(env.nlog, ==, 1);
	g_assert_cmphex(env.log[0].val, ==, env.ram[0x100]);
	g_assert_cmphex(r.gpr[RSI], ==, RAM_GLA + 0x101 - 0x8000);

	/* DS override in 64-bit mode: base ignored even if asked. */
	env_reset();
	fill_ram();
	regs_init(&r);
	r.gpr[RSI] = RAM_GLA;
	r.gpr[RDI] = MMIO_GLA;
	g_assert_cmpint(EMUL("\x3e\xa4", M64, &r, G(0)), ==, 0);
	g_assert_cmphex(env.log[0].val, ==, env.ram[0]);
}

static void test_movs_errors(void)
{
	struct x86_emul_ops no_xlate = ops;
	struct x86_regs r, before;

	no_xlate.gla_to_gpa = NULL;
	env_reset();
	regs_init(&r);
	r.gpr[RSI] = RAM_GLA;
	r.gpr[RDI] = MMIO_GLA;
	before = r;
	g_assert_cmpint(emulate_bytes("\xa4", 1, M64, &r, G(0), &no_xlate), ==, -EOPNOTSUPP);
	regs_assert_equal(&r, &before);

	/* Neither operand on the faulting page. */
	g_assert_cmpint(EMUL("\xa4", M64, &r, G(0x1000) + 0x1000), ==, -EINVAL);
	regs_assert_equal(&r, &before);

	/* Untranslatable operand: the callback's error comes back. */
	r.gpr[RSI] = 0x123;
	g_assert_cmpint(EMUL("\xa4", M64, &r, G(0)), ==, -EFAULT);

	/* RAM side fails half-way through a REP: progress is kept. */
	env_reset();
	regs_init(&r);
	r.gpr[RCX] = 4;
	r.gpr[RSI] = RAM_GLA + RAM_SIZE - 2;
	r.gpr[RDI] = MMIO_GLA;
	g_assert_cmpint(EMUL("\xf3\xa4", M64, &r, G(0)), ==, -EFAULT);
	g_assert_cmpuint(env.nlog, ==, 2);
	g_assert_cmphex(r.gpr[RCX], ==, 2);
	g_assert_cmphex(r.gpr[RSI], ==, RAM_GLA + RAM_SIZE);
	g_assert_cmphex(r.gpr[RDI], ==, MMIO_GLA + 2);
	g_assert_cmphex(r.rip, ==, RIP0);
}

static void test_device_errors(void)
{
	struct x86_regs r, before;

	/* Non-REP: registers untouched. */
	env_reset();
	env.fail_at = 0;
	regs_init(&r);
	before = r;
	g_assert_cmpint(EMUL("\x8b\x03", M64, &r, G(0)), ==, -EIO);
	regs_assert_equal(&r, &before);

	/* The write of a read-modify-write fails: flags untouched too. */
	env_reset();
	env.fail_at = 1;
	g_assert_cmpint(EMUL("\x83\x20\x00", M64, &r, G(0)), ==, -EIO);
	regs_assert_equal(&r, &before);

	env_reset();
	env.fail_at = 1;
	g_assert_cmpint(EMUL("\x87\x03", M64, &r, G(0)), ==, -EIO);
	regs_assert_equal(&r, &before);

	/* REP: elements done are kept. */
	env_reset();
	env.fail_at = 2;
	regs_init(&r);
	r.gpr[RCX] = 5;
	r.gpr[RDI] = MMIO_GLA;
	g_assert_cmpint(EMUL("\xf3\xab", M64, &r, G(0)), ==, -EIO);
	g_assert_cmphex(r.gpr[RCX], ==, 3);
	g_assert_cmphex(r.gpr[RDI], ==, MMIO_GLA + 8);
	g_assert_cmphex(r.rip, ==, RIP0);

	/* Non-REP STOS failing changes nothing. */
	env_reset();
	env.fail_at = 0;
	regs_init(&r);
	before = r;
	g_assert_cmpint(EMUL("\xab", M64, &r, G(0)), ==, -EIO);
	regs_assert_equal(&r, &before);
}

static void test_bad_insn(void)
{
	struct x86_insn insn;
	struct x86_regs r;
	uint64_t off;

	env_reset();
	regs_init(&r);
	g_assert_cmpint(x86_insn_decode((const uint8_t *)"\x89\x03", 2, M64, &insn), ==, 0);
	insn.opsize = 3;
	g_assert_cmpint(x86_insn_emulate(&insn, &r, G(0), &ops, &env), ==, -EINVAL);
	g_assert_cmpint(x86_insn_mem_offset(&insn, &r, &off), ==, -EINVAL);
	insn.opsize = 4;
	insn.reg = 16;
	g_assert_cmpint(x86_insn_emulate(&insn, &r, G(0), &ops, &env), ==, -EINVAL);
	insn.reg = X86_REG_NONE;
	g_assert_cmpint(x86_insn_emulate(&insn, &r, G(0), &ops, &env), ==, -EINVAL);
	insn.reg = 0;
	insn.op = 99;
	g_assert_cmpint(x86_insn_emulate(&insn, &r, G(0), &ops, &env), ==, -EINVAL);
	insn.op = X86_OP_MOV;
	insn.len = 0;
	g_assert_cmpint(x86_insn_emulate(&insn, &r, G(0), &ops, &env), ==, -EINVAL);
	insn.len = 2;
	g_assert_cmpint(x86_insn_emulate(&insn, &r, G(0), NULL, &env), ==, -EINVAL);
	g_assert_cmpint(x86_insn_emulate(NULL, &r, G(0), &ops, &env), ==, -EINVAL);
	g_assert_cmpuint(env.nlog, ==, 0);
	g_assert_cmpint(x86_insn_emulate(&insn, &r, G(0), &ops, &env), ==, 0);
}

/*
 * Hostile input: random bytes in every mode must decode to something sane or
 * be rejected, and emulating whatever decodes must stay bounded.
 */
static void test_fuzz(void)
{
	static const uint8_t interesting[] = { 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36,
		                               0x3e, 0x64, 0x65, 0x40, 0x48, 0x4f, 0x0f, 0x89,
		                               0x8b, 0xa4, 0xa5, 0xaa, 0xab, 0x83, 0xc7, 0xf7,
		                               0x04, 0x05, 0x24, 0x25, 0x84, 0xa3, 0xba, 0xb6 };
	GRand *rnd = g_rand_new_with_seed(0x5eed);
	struct x86_emul_ops fops = ops;
	unsigned decoded = 0;

	for (unsigned iter = 0; iter < 200000; iter++) {
		uint8_t buf[X86_MAX_INSN_LEN];
		enum x86_cpu_mode mode = g_rand_int_range(rnd, 0, 4);
		size_t avail = g_rand_int_range(rnd, 0, X86_MAX_INSN_LEN + 1);
		struct x86_insn insn, again;
		struct x86_regs r;
		int ret;

		for (unsigned i = 0; i < sizeof(buf); i++)
			buf[i] = g_rand_boolean(rnd) ? interesting[g_rand_int_range(
			                                       rnd, 0, ARRAY_SIZE(interesting))]
			                             : (uint8_t)g_rand_int(rnd);
		ret = x86_insn_decode(buf, avail, mode, &insn);
		g_assert_true(ret == 0 || ret == -EINVAL || ret == -EFAULT);
		if (ret)
			continue;
		decoded++;
		g_assert_cmpuint(insn.len, >=, 1);
		g_assert_cmpuint(insn.len, <=, avail);
		g_assert_cmpint(x86_insn_decode(buf, insn.len, mode, &again), ==, 0);
		g_assert_cmpmem(&again, sizeof(again), &insn, sizeof(insn));

		env_reset();
		env.lenient = true;
		fops.gla_to_gpa = g_rand_boolean(rnd) ? fake_gla_to_gpa : NULL;
		for (unsigned i = 0; i < 16; i++)
			r.gpr[i] = ((uint64_t)g_rand_int(rnd) << 32) | g_rand_int(rnd);
		r.gpr[RCX] = g_rand_int_range(rnd, 0, 20000);
		r.rip = g_rand_int(rnd);
		r.rflags = g_rand_int(rnd);
		ret = x86_insn_emulate(&insn, &r, MMIO_GPA + g_rand_int_range(rnd, 0, 0x1000),
		                       &fops, &env);
		g_assert_true(ret == 0 || ret == -EFAULT || ret == -EINVAL || ret == -EOPNOTSUPP);
		g_assert_cmpuint(env.nlog, <=, 2 * X86_EMUL_MAX_REP);
	}
	/* The generator must actually reach the emulator. */
	g_assert_cmpuint(decoded, >, 1000);
	g_rand_free(rnd);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		char *path = g_strdup_printf("/instr-emul/insn/%s", cases[i].name);

		g_test_add_data_func(path, &cases[i], run_case);
		g_free(path);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		char *path = g_strdup_printf("/instr-emul/bad/%s", bad_cases[i].name);

		g_test_add_data_func(path, &bad_cases[i], run_bad_case);
		g_free(path);
	}
	g_test_add_func("/instr-emul/decode/max-length", test_max_length);
	g_test_add_func("/instr-emul/decode/truncation", test_truncation);
	g_test_add_func("/instr-emul/decode/fields", test_decode_fields);
	g_test_add_func("/instr-emul/string/rep-stos", test_rep_stosl);
	g_test_add_func("/instr-emul/string/stos-norep", test_stos_norep);
	g_test_add_func("/instr-emul/string/rep-page-end", test_rep_page_end);
	g_test_add_func("/instr-emul/string/rep-cap", test_rep_cap);
	g_test_add_func("/instr-emul/string/rep-addrsize", test_rep_addrsize);
	g_test_add_func("/instr-emul/string/rep-movsb-to-mmio", test_rep_movsb_to_mmio);
	g_test_add_func("/instr-emul/string/rep-movs-from-mmio", test_rep_movsl_from_mmio);
	g_test_add_func("/instr-emul/string/movs-mmio-both", test_movs_mmio_both);
	g_test_add_func("/instr-emul/string/movs-fs", test_movs_fs);
	g_test_add_func("/instr-emul/string/movs-errors", test_movs_errors);
	g_test_add_func("/instr-emul/errors/device", test_device_errors);
	g_test_add_func("/instr-emul/errors/bad-insn", test_bad_insn);
	g_test_add_func("/instr-emul/fuzz", test_fuzz);
	return g_test_run();
}
