/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The board bridge's doorbell on x86: the board's COM2 16550 (0x2F8, ISA
 * IRQ 3), whose QEMU chardev is a unix socket on the host. Receive
 * interrupts go through the board IOAPIC (found in the firmware's MADT, with
 * its interrupt source overrides) to the bridge pCPU; sends are one byte at a
 * time under a lock, from any pCPU.
 */
#include <acrn/bridge.h>
#include <arch/acpi_fw.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <hv/bridge.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pcpu.h>
#include <hv/spinlock.h>

#define COM2             0x2F8
#define COM2_IRQ         3 /* ISA IRQ */

#define UART_RBR         0
#define UART_THR         0
#define UART_IER         1
#define UART_IIR         2
#define UART_FCR         2
#define UART_LCR         3
#define UART_MCR         4
#define UART_LSR         5
#define LSR_DR           0x01
#define LSR_THRE         0x20

#define IOAPIC_REGSEL    0x00
#define IOAPIC_WIN       0x10
#define IOAPIC_VER       0x01
#define IOAPIC_REDIR(n)  (0x10 + 2 * (n))
#define REDIR_LOW_ACTIVE BIT(13)
#define REDIR_LEVEL      BIT(15)
#define REDIR_MASKED     BIT(16)

static struct spinlock com2_lock = SPINLOCK_INIT;
static bool com2_ready;

struct irq_route {
	uint64_t ioapic; /* MMIO base */
	uint32_t pin;
	bool active_low, level;
};

/* Where ISA IRQ @irq arrives: MADT type 1 (IOAPIC) and type 2 (source override). */
static int find_route(unsigned irq, struct irq_route *r)
{
	const uint8_t *rsdp = acpi_fw_rsdp(), *madt = rsdp ? acpi_fw_table(rsdp, "APIC") : NULL;
	const uint8_t *e;
	uint32_t gsi = irq, off = 0, gsi_base = 0;
	uint16_t flags = 0;

	if (!madt)
		return -ENODEV;
	while ((e = madt_next(madt, &off))) {
		if (e[0] == MADT_SOURCE_OVERRIDE && e[1] >= 10 && e[2] == 0 && e[3] == irq) {
			gsi = *(const uint32_t *)(e + 4);
			flags = *(const uint16_t *)(e + 8);
		}
	}
	r->ioapic = 0;
	for (off = 0; (e = madt_next(madt, &off));) {
		uint32_t base;

		/* The IOAPIC with the highest GSI base not above ours serves it. */
		if (e[0] != MADT_IOAPIC || e[1] < 12)
			continue;
		base = *(const uint32_t *)(e + 8);
		if (base <= gsi && (!r->ioapic || base >= gsi_base)) {
			r->ioapic = *(const uint32_t *)(e + 4);
			gsi_base = base;
		}
	}
	if (!r->ioapic)
		return -ENODEV;
	r->pin = gsi - gsi_base;
	/* MPS INTI flags: polarity bits 1:0, trigger 3:2; 0 = the ISA default (high, edge). */
	r->active_low = (flags & 3) == 3;
	r->level = ((flags >> 2) & 3) == 3;
	return 0;
}

static uint32_t ioapic_read(uint64_t base, uint32_t reg)
{
	*(volatile uint32_t *)(uintptr_t)(base + IOAPIC_REGSEL) = reg;
	return *(volatile uint32_t *)(uintptr_t)(base + IOAPIC_WIN);
}

static void ioapic_write(uint64_t base, uint32_t reg, uint32_t val)
{
	*(volatile uint32_t *)(uintptr_t)(base + IOAPIC_REGSEL) = reg;
	*(volatile uint32_t *)(uintptr_t)(base + IOAPIC_WIN) = val;
}

int bridge_arch_init(cpuid_t pcpu)
{
	struct irq_route r;
	uint32_t pins;
	int err;

	/* A missing UART reads as all ones. */
	if (inb(COM2 + UART_LSR) == 0xFF)
		return -ENODEV;
	err = find_route(COM2_IRQ, &r);
	if (err)
		return err;
	pins = ((ioapic_read(r.ioapic, IOAPIC_VER) >> 16) & 0xFF) + 1;
	if (r.pin >= pins)
		return -ENODEV;
	spin_lock(&com2_lock);
	outb(COM2 + UART_IER, 0x00);
	outb(COM2 + UART_LCR, 0x80); /* DLAB: 115200 baud, which QEMU ignores for sockets */
	outb(COM2 + 0, 0x01);
	outb(COM2 + 1, 0x00);
	outb(COM2 + UART_LCR, 0x03); /* 8N1 */
	outb(COM2 + UART_FCR, 0x07); /* FIFOs on and cleared, interrupt at 1 byte */
	outb(COM2 + UART_MCR, 0x0B); /* DTR, RTS, OUT2 (the ISA interrupt gate) */
	while (inb(COM2 + UART_LSR) & LSR_DR)
		(void)inb(COM2 + UART_RBR);
	(void)inb(COM2 + UART_IIR);
	outb(COM2 + UART_IER, 0x01); /* received data available */
	com2_ready = true;
	spin_unlock(&com2_lock);
	ioapic_write(r.ioapic, IOAPIC_REDIR(r.pin) + 1, pcpu_get(pcpu)->hw_id << 24);
	ioapic_write(r.ioapic, IOAPIC_REDIR(r.pin),
	             VECTOR_BRIDGE | (r.active_low ? REDIR_LOW_ACTIVE : 0) |
	                     (r.level ? REDIR_LEVEL : 0));
	pr_info("bridge doorbell: COM2 IRQ %u -> IOAPIC 0x%lx pin %u -> APIC id %u\n", COM2_IRQ,
	        r.ioapic, r.pin, pcpu_get(pcpu)->hw_id);
	return 0;
}

void bridge_arch_send(const char *s, size_t len)
{
	if (!com2_ready)
		return;
	spin_lock(&com2_lock);
	for (size_t i = 0; i < len; i++) {
		/* Bounded: a host that stopped reading costs doorbells, not a hung pCPU. */
		for (unsigned spin = 0; spin < 100000 && !(inb(COM2 + UART_LSR) & LSR_THRE); spin++)
			cpu_relax();
		outb(COM2 + UART_THR, (uint8_t)s[i]);
	}
	spin_unlock(&com2_lock);
}

/* VECTOR_BRIDGE, on the bridge pCPU: drain what the host sent, defer the work. */
void x86_bridge_irq(void)
{
	bool hello = false;

	spin_lock(&com2_lock);
	for (unsigned n = 0; n < 4096 && (inb(COM2 + UART_LSR) & LSR_DR); n++)
		hello |= inb(COM2 + UART_RBR) == ACRN_BRIDGE_ASK_HELLO;
	(void)inb(COM2 + UART_IIR);
	spin_unlock(&com2_lock);
	bridge_doorbell(hello);
}
