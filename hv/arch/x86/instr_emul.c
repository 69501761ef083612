/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * x86 instruction decoder and emulator for MMIO exits; see arch/instr_emul.h.
 * Encodings follow the Intel SDM vol. 2 / AMD APM vol. 3 opcode maps.
 */
#include <arch/instr_emul.h>
#include <hv/errno.h>
#include <hv/lib.h>

/* ---- decoder ---------------------------------------------------------- */

struct cursor {
	const uint8_t *bytes;
	size_t avail;
	unsigned pos;
};

/*
 * Read `n` (1, 2, 4, 8) little-endian bytes. The 15-byte limit is checked
 * first: an over-long instruction is invalid however many bytes are there.
 */
static int take(struct cursor *c, unsigned n, uint64_t *out)
{
	uint64_t v = 0;

	if (c->pos + n > X86_MAX_INSN_LEN)
		return -EINVAL;
	if (c->pos + n > c->avail)
		return -EFAULT;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)c->bytes[c->pos + i] << (8 * i);
	c->pos += n;
	*out = v;
	return 0;
}

static int take8(struct cursor *c, uint8_t *out)
{
	uint64_t v;
	int ret = take(c, 1, &v);

	*out = (uint8_t)v;
	return ret;
}

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static int64_t sign_extend(uint64_t v, unsigned size)
{
	unsigned shift = 64 - size * 8;

	return (int64_t)(v << shift) >> shift;
}

/* Prefix state collected before the opcode. */
struct prefixes {
	int seg; /* -1: none */
	bool opsize, addrsize, lock;
	uint8_t rep, rex;
};

static int decode_prefixes(struct cursor *c, enum x86_cpu_mode mode, struct prefixes *p,
                           uint8_t *opcode)
{
	static const int8_t seg_of[] = {
		[0x26] = X86_SEG_ES + 1, [0x2e] = X86_SEG_CS + 1, [0x36] = X86_SEG_SS + 1,
		[0x3e] = X86_SEG_DS + 1, [0x64] = X86_SEG_FS + 1, [0x65] = X86_SEG_GS + 1,
	};
	uint8_t b;
	int ret;

	p->seg = -1;
	/* Bounded: take() fails at byte 15. */
	for (;;) {
		ret = take8(c, &b);
		if (ret)
			return ret;
		if (b < ARRAY_SIZE(seg_of) && seg_of[b]) {
			p->seg = seg_of[b] - 1;
		} else if (b == 0x66) {
			p->opsize = true;
		} else if (b == 0x67) {
			p->addrsize = true;
		} else if (b == 0xf0) {
			p->lock = true;
		} else if (b == 0xf2 || b == 0xf3) {
			p->rep = b;
		} else if (mode == X86_MODE_LONG64 && (b & 0xf0) == 0x40) {
			/* Later REX bytes replace earlier ones. */
			p->rex = b;
			continue;
		} else {
			*opcode = b;
			return 0;
		}
		/* A REX not immediately before the opcode is ignored. */
		p->rex = 0;
	}
}

static const uint8_t base16[8] = {
	X86_REG_RBX, X86_REG_RBX, X86_REG_RBP, X86_REG_RBP,
	X86_REG_RSI, X86_REG_RDI, X86_REG_RBP, X86_REG_RBX,
};
static const uint8_t index16[8] = {
	X86_REG_RSI,  X86_REG_RDI,  X86_REG_RSI,  X86_REG_RDI,
	X86_REG_NONE, X86_REG_NONE, X86_REG_NONE, X86_REG_NONE,
};

/*
 * ModRM (+SIB, +displacement) for an instruction whose r/m operand must be
 * memory. Returns the 3-bit reg field (before REX.R) or a negative errno.
 */
static int decode_modrm(struct cursor *c, struct x86_insn *in, const struct prefixes *p)
{
	uint8_t modrm, mod, rm;
	uint64_t v = 0;
	int ret;

	ret = take8(c, &modrm);
	if (ret)
		return ret;
	in->modrm = modrm;
	in->flags |= X86_INSN_MODRM;
	mod = modrm >> 6;
	rm = modrm & 7;
	in->scale = 1;
	in->base = X86_REG_NONE;
	in->index = X86_REG_NONE;

	/* A register r/m operand means no memory access to emulate. */
	if (mod == 3)
		return -EINVAL;

	if (in->addrsize == 2) {
		if (mod == 0 && rm == 6) {
			ret = take(c, 2, &v);
			in->disp = sign_extend(v, 2);
		} else {
			in->base = base16[rm];
			in->index = index16[rm];
			if (mod == 1) {
				ret = take(c, 1, &v);
				in->disp = sign_extend(v, 1);
			} else if (mod == 2) {
				ret = take(c, 2, &v);
				in->disp = sign_extend(v, 2);
			}
		}
		if (ret)
			return ret;
		if (in->base == X86_REG_RBP)
			in->seg = X86_SEG_SS;
		return (modrm >> 3) & 7;
	}

	if (rm == 4) {
		uint8_t sib, idx, b;

		ret = take8(c, &sib);
		if (ret)
			return ret;
		in->sib = sib;
		in->flags |= X86_INSN_SIB;
		in->scale = 1 << (sib >> 6);
		idx = ((sib >> 3) & 7) | ((p->rex & 2) << 2);
		/* Index 100b means none; with REX.X it is r12. */
		in->index = idx == X86_REG_RSP ? X86_REG_NONE : idx;
		b = sib & 7;
		if (b == 5 && mod == 0) {
			ret = take(c, 4, &v);
			if (ret)
				return ret;
			in->disp = sign_extend(v, 4);
		} else {
			in->base = b | ((p->rex & 1) << 3);
		}
	} else if (rm == 5 && mod == 0) {
		ret = take(c, 4, &v);
		if (ret)
			return ret;
		in->disp = sign_extend(v, 4);
		if (in->mode == X86_MODE_LONG64) {
			in->base = X86_REG_RIP;
			in->flags |= X86_INSN_RIP_REL;
		}
	} else {
		in->base = rm | ((p->rex & 1) << 3);
	}

	if (mod == 1) {
		ret = take(c, 1, &v);
		in->disp = sign_extend(v, 1);
	} else if (mod == 2) {
		ret = take(c, 4, &v);
		in->disp = sign_extend(v, 4);
	}
	if (ret)
		return ret;
	if (in->base == X86_REG_RSP || in->base == X86_REG_RBP)
		in->seg = X86_SEG_SS;
	return (modrm >> 3) & 7;
}

/* The register operand named by ModRM.reg (plus REX.R). */
static void set_reg_operand(struct x86_insn *in, unsigned regf, const struct prefixes *p)
{
	unsigned r = regf | ((p->rex & 4) << 1);

	/* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
	if (in->opsize == 1 && !p->rex && r >= 4) {
		r -= 4;
		in->flags |= X86_INSN_REG_HIGH8;
	}
	in->reg = r;
}

static int decode_imm(struct cursor *c, struct x86_insn *in, unsigned size)
{
	uint64_t v;
	int ret = take(c, size, &v);

	if (ret)
		return ret;
	in->imm = (uint64_t)sign_extend(v, size) & size_mask(in->opsize);
	in->flags |= X86_INSN_SRC_IMM;
	return 0;
}

static const uint8_t alu_ops[8] = {
	X86_OP_ADD,
	X86_OP_OR,
	X86_OP_NONE /* ADC */,
	X86_OP_NONE /* SBB */,
	X86_OP_AND,
	X86_OP_SUB,
	X86_OP_XOR,
	X86_OP_CMP,
};

static int decode_opcode(struct cursor *c, struct x86_insn *in, const struct prefixes *p,
                         unsigned dflt_opsize)
{
	uint16_t opc = in->opcode;
	bool byte_op = false;
	int regf, ret;
	uint64_t v;

	switch (opc) {
	case 0x00 ... 0x03:
	case 0x08 ... 0x0b:
	case 0x20 ... 0x23:
	case 0x28 ... 0x2b:
	case 0x30 ... 0x33:
	case 0x38 ... 0x3b:
	case 0x84 ... 0x8b:
		/* op r/m,reg (bit 1 clear) or op reg,r/m; bit 0 clear: bytes. */
		byte_op = !(opc & 1);
		in->opsize = byte_op ? 1 : dflt_opsize;
		if (opc >= 0x84 && opc <= 0x87)
			in->op = opc < 0x86 ? X86_OP_TEST : X86_OP_XCHG;
		else if (opc >= 0x88)
			in->op = X86_OP_MOV;
		else
			in->op = alu_ops[opc >> 3];
		/* TEST and XCHG are symmetric; treat the memory operand as the destination. */
		if (!(opc & 2) || opc == 0x86 || opc == 0x87)
			in->flags |= X86_INSN_MEM_DST;
		regf = decode_modrm(c, in, p);
		if (regf < 0)
			return regf;
		set_reg_operand(in, regf, p);
		break;

	case 0x80:
	case 0x81:
	case 0x83:
		in->opsize = opc == 0x80 ? 1 : dflt_opsize;
		regf = decode_modrm(c, in, p);
		if (regf < 0)
			return regf;
		in->op = alu_ops[regf];
		if (in->op == X86_OP_NONE)
			return -EINVAL;
		in->flags |= X86_INSN_MEM_DST;
		return decode_imm(c, in, opc == 0x81 ? MIN(in->opsize, 4) : 1);

	case 0xc6:
	case 0xc7:
	case 0xf6:
	case 0xf7:
		in->opsize = (opc & 1) ? dflt_opsize : 1;
		regf = decode_modrm(c, in, p);
		if (regf < 0)
			return regf;
		/* Only /0: MOV and TEST. C6/C7 /7 are XABORT/XBEGIN, F6/F7 /2../7 NOT..IDIV. */
		if (regf != 0)
			return -EINVAL;
		in->op = opc >= 0xf6 ? X86_OP_TEST : X86_OP_MOV;
		in->flags |= X86_INSN_MEM_DST;
		return decode_imm(c, in, MIN(in->opsize, 4));

	case 0xa0 ... 0xa3:
		/* MOV AL/rAX <-> moffs: an absolute offset of the address size. */
		in->op = X86_OP_MOV;
		in->opsize = (opc & 1) ? dflt_opsize : 1;
		in->reg = X86_REG_RAX;
		if (opc & 2)
			in->flags |= X86_INSN_MEM_DST;
		in->flags |= X86_INSN_MOFFS;
		ret = take(c, in->addrsize, &v);
		if (ret)
			return ret;
		in->disp = (int64_t)v;
		break;

	case 0xa4:
	case 0xa5:
	case 0xaa:
	case 0xab:
		in->op = opc >= 0xaa ? X86_OP_STOS : X86_OP_MOVS;
		in->opsize = (opc & 1) ? dflt_opsize : 1;
		in->flags |= X86_INSN_MEM_DST;
		/* F2 on a non-comparing string op behaves as F3 on real CPUs. */
		if (p->rep)
			in->flags |= X86_INSN_REP;
		if (in->op == X86_OP_STOS)
			in->reg = X86_REG_RAX;
		break;

	case 0x63:
		/* MOVSXD in 64-bit mode (ARPL elsewhere, which never touches MMIO). */
		if (in->mode != X86_MODE_LONG64)
			return -EINVAL;
		in->op = X86_OP_MOVSX;
		in->opsize = dflt_opsize;
		in->memsize = dflt_opsize < 4 ? dflt_opsize : 4;
		regf = decode_modrm(c, in, p);
		if (regf < 0)
			return regf;
		set_reg_operand(in, regf, p);
		break;

	case 0x0fa3:
	case 0x0fba:
		in->op = X86_OP_BT;
		in->opsize = dflt_opsize;
		regf = decode_modrm(c, in, p);
		if (regf < 0)
			return regf;
		if (opc == 0x0fa3) {
			set_reg_operand(in, regf, p);
			break;
		}
		/* 0F BA /5../7 are BTS/BTR/BTC (read-modify-write): unsupported. */
		if (regf != 4)
			return -EINVAL;
		ret = take(c, 1, &v);
		if (ret)
			return ret;
		in->imm = v;
		in->flags |= X86_INSN_SRC_IMM;
		break;

	case 0x0fb6:
	case 0x0fb7:
	case 0x0fbe:
	case 0x0fbf:
		in->op = (opc & 8) ? X86_OP_MOVSX : X86_OP_MOVZX;
		in->opsize = dflt_opsize;
		in->memsize = (opc & 1) ? 2 : 1;
		regf = decode_modrm(c, in, p);
		if (regf < 0)
			return regf;
		set_reg_operand(in, regf, p);
		break;

	default:
		return -EINVAL;
	}
	return 0;
}

static bool lock_allowed(const struct x86_insn *in)
{
	switch (in->op) {
	case X86_OP_ADD:
	case X86_OP_OR:
	case X86_OP_AND:
	case X86_OP_SUB:
	case X86_OP_XOR:
		return in->flags & X86_INSN_MEM_DST;
	case X86_OP_XCHG:
		return true;
	default:
		/* Hardware raises #UD for LOCK on anything else. */
		return false;
	}
}

static int decode(const uint8_t *bytes, size_t avail, enum x86_cpu_mode mode, struct x86_insn *in)
{
	struct cursor c = { .bytes = bytes, .avail = avail };
	struct prefixes p = { 0 };
	unsigned dflt_opsize;
	uint8_t b;
	int ret;

	if ((unsigned)mode > X86_MODE_LONG64 || (!bytes && avail))
		return -EINVAL;

	ret = decode_prefixes(&c, mode, &p, &b);
	if (ret)
		return ret;

	in->mode = mode;
	in->rex = p.rex;
	in->rep = p.rep;
	in->reg = X86_REG_NONE;
	in->base = X86_REG_NONE;
	in->index = X86_REG_NONE;
	in->scale = 1;
	in->seg = X86_SEG_DS;
	if (p.opsize)
		in->flags |= X86_INSN_OPSIZE_PFX;
	if (p.addrsize)
		in->flags |= X86_INSN_ADDRSIZE_PFX;

	if (mode == X86_MODE_LONG64) {
		in->addrsize = p.addrsize ? 4 : 8;
		/* REX.W wins over 66. */
		dflt_opsize = (p.rex & 8) ? 8 : p.opsize ? 2 : 4;
	} else if (mode == X86_MODE_PROT32) {
		in->addrsize = p.addrsize ? 2 : 4;
		dflt_opsize = p.opsize ? 2 : 4;
	} else {
		in->addrsize = p.addrsize ? 4 : 2;
		dflt_opsize = p.opsize ? 4 : 2;
	}

	in->opcode = b;
	if (b == 0x0f) {
		ret = take8(&c, &b);
		if (ret)
			return ret;
		in->opcode = 0x0f00 | b;
	}

	ret = decode_opcode(&c, in, &p, dflt_opsize);
	if (ret)
		return ret;

	if (!in->memsize)
		in->memsize = in->opsize;
	if (p.seg >= 0) {
		in->seg = p.seg;
		in->flags |= X86_INSN_SEG_OVERRIDE;
	}
	if (p.lock) {
		if (!lock_allowed(in))
			return -EINVAL;
		in->flags |= X86_INSN_LOCK;
	}
	in->len = c.pos;
	return 0;
}

__hot int x86_insn_decode(const uint8_t *bytes, size_t avail, enum x86_cpu_mode mode,
                          struct x86_insn *out)
{
	int ret;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	ret = decode(bytes, avail, mode, out);
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}

/* ---- emulator --------------------------------------------------------- */

static bool valid_size(unsigned s)
{
	return s == 1 || s == 2 || s == 4 || s == 8;
}

/* Reject hand-made or corrupted insns before they index anything. */
static bool insn_sane(const struct x86_insn *in)
{
	if (in->len == 0 || in->len > X86_MAX_INSN_LEN || in->mode > X86_MODE_LONG64)
		return false;
	if (!valid_size(in->opsize) || !valid_size(in->memsize) || in->memsize > in->opsize)
		return false;
	if (in->addrsize != 2 && in->addrsize != 4 && in->addrsize != 8)
		return false;
	if (in->seg > X86_SEG_GS)
		return false;
	if (in->reg != X86_REG_NONE && in->reg > X86_REG_R15)
		return false;
	if ((in->flags & X86_INSN_REG_HIGH8) && (in->reg > X86_REG_RBX || in->opsize != 1))
		return false;
	if (in->base != X86_REG_NONE && in->base > X86_REG_RIP)
		return false;
	if (in->index != X86_REG_NONE && in->index > X86_REG_R15)
		return false;
	return true;
}

int x86_insn_mem_offset(const struct x86_insn *in, const struct x86_regs *r, uint64_t *off)
{
	uint64_t ea;

	if (!in || !r || !off || !insn_sane(in))
		return -EINVAL;
	if (in->op == X86_OP_STOS) {
		ea = r->gpr[X86_REG_RDI];
	} else if (in->op == X86_OP_MOVS) {
		ea = r->gpr[X86_REG_RSI];
	} else {
		ea = (uint64_t)in->disp;
		if (in->base == X86_REG_RIP)
			ea += r->rip + in->len;
		else if (in->base != X86_REG_NONE)
			ea += r->gpr[in->base];
		if (in->index != X86_REG_NONE)
			ea += r->gpr[in->index] * in->scale;
	}
	*off = ea & size_mask(in->addrsize);
	return 0;
}

static void advance_rip(struct x86_regs *r, const struct x86_insn *in)
{
	uint64_t rip = r->rip + in->len;

	if (in->mode == X86_MODE_LONG64)
		r->rip = rip;
	else if (in->mode == X86_MODE_PROT32)
		r->rip = (uint32_t)rip;
	else
		r->rip = rip & 0xffff;
}

static uint64_t flags_szp(uint64_t res, unsigned size)
{
	uint64_t f = 0;
	uint8_t p = (uint8_t)res;

	if (!(res & size_mask(size)))
		f |= X86_RFLAGS_ZF;
	if ((res >> (size * 8 - 1)) & 1)
		f |= X86_RFLAGS_SF;
	/* PF: even number of set bits in the low byte. No popcount: no libgcc. */
	p ^= p >> 4;
	p ^= p >> 2;
	p ^= p >> 1;
	if (!(p & 1))
		f |= X86_RFLAGS_PF;
	return f;
}

/* a OP b for the ALU ops; *flags gets the new status flags. */
static uint64_t alu(unsigned op, uint64_t a, uint64_t b, unsigned size, uint64_t *flags)
{
	uint64_t m = size_mask(size), res, f = 0;
	unsigned top = size * 8 - 1;

	a &= m;
	b &= m;
	switch (op) {
	case X86_OP_ADD:
		res = (a + b) & m;
		if (res < a)
			f |= X86_RFLAGS_CF;
		if ((((a ^ res) & (b ^ res)) >> top) & 1)
			f |= X86_RFLAGS_OF;
		if ((a ^ b ^ res) & 0x10)
			f |= X86_RFLAGS_AF;
		break;
	case X86_OP_SUB:
	case X86_OP_CMP:
		res = (a - b) & m;
		if (a < b)
			f |= X86_RFLAGS_CF;
		if ((((a ^ b) & (a ^ res)) >> top) & 1)
			f |= X86_RFLAGS_OF;
		if ((a ^ b ^ res) & 0x10)
			f |= X86_RFLAGS_AF;
		break;
	case X86_OP_OR:
		res = a | b;
		break;
	case X86_OP_XOR:
		res = a ^ b;
		break;
	default: /* AND, TEST: CF = OF = 0, AF undefined (left clear) */
		res = a & b;
		break;
	}
	*flags = f | flags_szp(res, size);
	return res;
}

static int mmio_read(const struct x86_emul_ops *ops, void *opaque, uint64_t gpa, unsigned size,
                     uint64_t *val)
{
	uint64_t v = 0;
	int ret = ops->mmio_read(opaque, gpa, size, &v);

	*val = v & size_mask(size);
	return ret;
}

/* The value of the instruction's non-memory source operand. */
static uint64_t src_operand(const struct x86_insn *in, const struct x86_regs *r)
{
	if (in->flags & X86_INSN_SRC_IMM)
		return in->imm;
	return x86_reg_get(r, in->reg, in->flags & X86_INSN_REG_HIGH8, in->opsize);
}

/*
 * MOV, the common MMIO access, on its own: it changes at most its register,
 * and only after the access succeeded, so it needs no copy to roll back.
 */
__hot __attribute__((noinline)) static int emulate_mov(const struct x86_insn *in,
                                                       struct x86_regs *r, uint64_t gpa,
                                                       const struct x86_emul_ops *ops, void *opaque)
{
	uint64_t val;
	int ret;

	if (!(in->flags & X86_INSN_SRC_IMM) && in->reg == X86_REG_NONE)
		return -EINVAL;
	if (in->flags & X86_INSN_MEM_DST) {
		ret = ops->mmio_write(opaque, gpa, in->opsize,
		                      src_operand(in, r) & size_mask(in->opsize));
	} else {
		ret = mmio_read(ops, opaque, gpa, in->opsize, &val);
		if (!ret)
			x86_reg_set(r, in->reg, in->flags & X86_INSN_REG_HIGH8, in->opsize, val);
	}
	if (!ret)
		advance_rip(r, in);
	return ret;
}

static int emulate_simple(const struct x86_insn *in, struct x86_regs *r, uint64_t gpa,
                          const struct x86_emul_ops *ops, void *opaque)
{
	bool high8 = in->flags & X86_INSN_REG_HIGH8;
	bool mem_dst = in->flags & X86_INSN_MEM_DST;
	unsigned size = in->opsize;
	uint64_t a, b, res, f;
	int ret;

	/* Every form but "imm to memory" has a register operand. */
	if (!(in->flags & X86_INSN_SRC_IMM) && in->reg == X86_REG_NONE)
		return -EINVAL;

	switch (in->op) {
	case X86_OP_MOV:
		if (mem_dst)
			return ops->mmio_write(opaque, gpa, size,
			                       src_operand(in, r) & size_mask(size));
		ret = mmio_read(ops, opaque, gpa, size, &a);
		if (!ret)
			x86_reg_set(r, in->reg, high8, size, a);
		return ret;

	case X86_OP_MOVZX:
	case X86_OP_MOVSX:
		if (mem_dst || (in->flags & X86_INSN_SRC_IMM))
			return -EINVAL;
		ret = mmio_read(ops, opaque, gpa, in->memsize, &a);
		if (ret)
			return ret;
		if (in->op == X86_OP_MOVSX)
			a = (uint64_t)sign_extend(a, in->memsize);
		x86_reg_set(r, in->reg, false, size, a);
		return 0;

	case X86_OP_ADD:
	case X86_OP_OR:
	case X86_OP_AND:
	case X86_OP_SUB:
	case X86_OP_XOR:
	case X86_OP_CMP:
	case X86_OP_TEST:
		/* An immediate is only ever the source of a memory destination. */
		if (!mem_dst && (in->flags & X86_INSN_SRC_IMM))
			return -EINVAL;
		ret = mmio_read(ops, opaque, gpa, size, &b);
		if (ret)
			return ret;
		if (mem_dst) {
			a = b;
			b = src_operand(in, r);
		} else {
			a = x86_reg_get(r, in->reg, high8, size);
		}
		res = alu(in->op, a, b, size, &f);
		if (in->op != X86_OP_CMP && in->op != X86_OP_TEST) {
			if (mem_dst)
				ret = ops->mmio_write(opaque, gpa, size, res);
			else
				x86_reg_set(r, in->reg, high8, size, res);
			if (ret)
				return ret;
		}
		r->rflags = (r->rflags & ~X86_RFLAGS_ARITH) | f;
		return 0;

	case X86_OP_BT:
		/*
		 * The CPU already applied the bit offset's high part to the
		 * address it accessed (the faulting gpa), so only the bit
		 * within the operand is left.
		 */
		ret = mmio_read(ops, opaque, gpa, size, &a);
		if (ret)
			return ret;
		b = src_operand(in, r) & (size * 8 - 1);
		/* CF is the bit; ZF unaffected, the other flags undefined (kept). */
		r->rflags = (r->rflags & ~X86_RFLAGS_CF) | ((a >> b) & 1);
		return 0;

	case X86_OP_XCHG:
		if (in->flags & X86_INSN_SRC_IMM)
			return -EINVAL;
		ret = mmio_read(ops, opaque, gpa, size, &a);
		if (ret)
			return ret;
		ret = ops->mmio_write(opaque, gpa, size, x86_reg_get(r, in->reg, high8, size));
		if (ret)
			return ret;
		x86_reg_set(r, in->reg, high8, size, a);
		return 0;

	default:
		return -EINVAL;
	}
}

/* One operand of a string instruction. */
struct str_side {
	bool mmio;
	unsigned reg;   /* X86_REG_RSI or X86_REG_RDI */
	uint64_t base;  /* segment base */
	uint64_t gpa;   /* first element's gpa, if mmio */
	uint64_t npage; /* elements that fit before leaving the gpa's page, if mmio */
};

static uint64_t side_gla(const struct x86_insn *in, const struct x86_regs *r,
                         const struct str_side *s)
{
	uint64_t gla = s->base + (r->gpr[s->reg] & size_mask(in->addrsize));

	/* Outside 64-bit mode linear addresses are 32 bits and wrap. */
	return in->mode == X86_MODE_LONG64 ? gla : (uint32_t)gla;
}

static int seg_base(const struct x86_insn *in, unsigned seg, const struct x86_emul_ops *ops,
                    void *opaque, uint64_t *base)
{
	*base = 0;
	if (!ops->seg_base)
		return 0;
	if (in->mode == X86_MODE_LONG64 && seg != X86_SEG_FS && seg != X86_SEG_GS)
		return 0;
	return ops->seg_base(opaque, seg, base);
}

/*
 * How many elements starting at `addr` stay inside its naturally aligned span
 * (span_mask + 1 bytes), going up or down.
 */
static uint64_t elems_in_span(uint64_t addr, unsigned size, bool down, uint64_t span_mask)
{
	uint64_t off = addr & span_mask;
	uint64_t n = down ? off / size + 1 : (span_mask - off + 1) / size;

	/* An element straddling the end is still done, as one access. */
	return n ? n : 1;
}

/* Bound a REP batch so the MMIO side's gpa can simply step from its start. */
static uint64_t mmio_side_limit(const struct x86_insn *in, const struct x86_regs *r,
                                const struct str_side *s, bool down, uint64_t n)
{
	if (!s->mmio)
		return n;
	/* Another page may be RAM or a different device. */
	n = MIN(n, elems_in_span(s->gpa, in->opsize, down, PAGE_SIZE - 1));
	/* A 16/32-bit rSI/rDI wrapping jumps back in the segment; the gpa would not. */
	if (in->addrsize < 8)
		n = MIN(n,
		        elems_in_span(r->gpr[s->reg], in->opsize, down, size_mask(in->addrsize)));
	return n;
}

/*
 * Decide which operands of MOVS live on the faulting MMIO page: translate
 * both and compare pages. Both may (a copy within one device page).
 */
static int movs_sides(const struct x86_insn *in, const struct x86_regs *r, uint64_t mmio_gpa,
                      const struct x86_emul_ops *ops, void *opaque, struct str_side *src,
                      struct str_side *dst)
{
	uint64_t page = mmio_gpa & ~(PAGE_SIZE - 1);
	uint64_t sgpa, dgpa;
	int ret;

	if (!ops->gla_to_gpa || !ops->mem_read || !ops->mem_write)
		return -EOPNOTSUPP;
	ret = ops->gla_to_gpa(opaque, side_gla(in, r, src), false, &sgpa);
	if (ret)
		return ret;
	ret = ops->gla_to_gpa(opaque, side_gla(in, r, dst), true, &dgpa);
	if (ret)
		return ret;
	src->mmio = (sgpa & ~(PAGE_SIZE - 1)) == page;
	dst->mmio = (dgpa & ~(PAGE_SIZE - 1)) == page;
	src->gpa = sgpa;
	dst->gpa = dgpa;
	/*
	 * Neither: the guest changed its page tables or the instruction since
	 * the fault, or the access straddles into the MMIO page. Let the caller
	 * decide rather than guess.
	 */
	return src->mmio || dst->mmio ? 0 : -EINVAL;
}

__attribute__((noinline)) static int emulate_string(const struct x86_insn *in,
                                                    struct x86_regs *regs, uint64_t mmio_gpa,
                                                    const struct x86_emul_ops *ops, void *opaque)
{
	struct x86_regs r = *regs;
	unsigned size = in->opsize;
	bool rep = in->flags & X86_INSN_REP;
	bool down = r.rflags & X86_RFLAGS_DF;
	uint64_t amask = size_mask(in->addrsize);
	uint64_t count = rep ? r.gpr[X86_REG_RCX] & amask : 1;
	uint64_t n, done, step = down ? -(uint64_t)size : size;
	struct str_side src = { .reg = X86_REG_RSI }, dst = { .reg = X86_REG_RDI, .mmio = true };
	uint8_t buf[8];
	uint64_t v;
	int ret = 0;

	if (count == 0) {
		advance_rip(regs, in);
		return 0;
	}

	/* The destination is always ES:rDI; the source segment can be overridden. */
	ret = seg_base(in, X86_SEG_ES, ops, opaque, &dst.base);
	if (ret)
		return ret;
	if (in->op == X86_OP_MOVS) {
		ret = seg_base(in, in->seg, ops, opaque, &src.base);
		if (ret)
			return ret;
		ret = movs_sides(in, &r, mmio_gpa, ops, opaque, &src, &dst);
		if (ret)
			return ret;
	} else {
		dst.gpa = mmio_gpa;
	}

	n = MIN(count, (uint64_t)X86_EMUL_MAX_REP);
	n = mmio_side_limit(in, &r, &src, down, n);
	n = mmio_side_limit(in, &r, &dst, down, n);

	for (done = 0; done < n; done++) {
		if (in->op == X86_OP_STOS) {
			v = r.gpr[X86_REG_RAX] & size_mask(size);
		} else if (src.mmio) {
			ret = mmio_read(ops, opaque, src.gpa + done * step, size, &v);
		} else {
			ret = ops->mem_read(opaque, side_gla(in, &r, &src), buf, size);
			v = 0;
			for (unsigned i = 0; i < size; i++)
				v |= (uint64_t)buf[i] << (8 * i);
		}
		if (ret)
			break;

		if (dst.mmio) {
			ret = ops->mmio_write(opaque, dst.gpa + done * step, size, v);
		} else {
			for (unsigned i = 0; i < size; i++)
				buf[i] = (uint8_t)(v >> (8 * i));
			ret = ops->mem_write(opaque, side_gla(in, &r, &dst), buf, size);
		}
		if (ret)
			break;

		/* rSI/rDI wrap at the address size; 32-bit updates zero-extend. */
		if (in->op == X86_OP_MOVS)
			x86_reg_set(&r, X86_REG_RSI, false, in->addrsize,
			            r.gpr[X86_REG_RSI] + step);
		x86_reg_set(&r, X86_REG_RDI, false, in->addrsize, r.gpr[X86_REG_RDI] + step);
	}

	/* A non-REP instruction that failed changes nothing. */
	if (!rep && ret)
		return ret;
	if (rep)
		x86_reg_set(&r, X86_REG_RCX, false, in->addrsize, count - done);
	if (!ret && done == count)
		advance_rip(&r, in);
	*regs = r;
	return ret;
}

int x86_insn_emulate(const struct x86_insn *insn, struct x86_regs *regs, uint64_t mmio_gpa,
                     const struct x86_emul_ops *ops, void *opaque)
{
	if (!insn || !regs || !ops || !ops->mmio_read || !ops->mmio_write || !insn_sane(insn))
		return -EINVAL;
	return x86_insn_emulate_decoded(insn, regs, mmio_gpa, ops, opaque);
}

/* Everything but MOV and the string instructions. */
__attribute__((noinline)) static int emulate_other(const struct x86_insn *insn,
                                                   struct x86_regs *regs, uint64_t mmio_gpa,
                                                   const struct x86_emul_ops *ops, void *opaque)
{
	struct x86_regs r;
	int ret;

	/* Work on a copy so a failed access leaves the guest's registers alone. */
	r = *regs;
	ret = emulate_simple(insn, &r, mmio_gpa, ops, opaque);
	if (ret)
		return ret;
	advance_rip(&r, insn);
	*regs = r;
	return 0;
}

/* Tail calls only: the common MOV pays for no frame but its own. */
__hot int x86_insn_emulate_decoded(const struct x86_insn *insn, struct x86_regs *regs,
                                   uint64_t mmio_gpa, const struct x86_emul_ops *ops, void *opaque)
{
	if (insn->op == X86_OP_MOV)
		return emulate_mov(insn, regs, mmio_gpa, ops, opaque);
	if (insn->op == X86_OP_STOS || insn->op == X86_OP_MOVS)
		return emulate_string(insn, regs, mmio_gpa, ops, opaque);
	return emulate_other(insn, regs, mmio_gpa, ops, opaque);
}
