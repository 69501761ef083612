// SPDX-License-Identifier: BSD-3-Clause
/*
 * Interrupt delivery through the vLAPIC: self-IPIs by SELF_IPI and by ICR,
 * exactly-once delivery, ISR/EOI, priority (TPR and in-service), and an
 * external interrupt from the vUART through vIOAPIC pin 4.
 */
#include "guest.h"

#define VEC_A    0x41 /* class 4 */
#define VEC_B    0x52 /* class 5 */
#define VEC_HIGH 0x65 /* class 6, handler does not EOI */
#define VEC_UART 0x70

#define IOREGSEL (IOAPIC_BASE + 0x00)
#define IOWIN    (IOAPIC_BASE + 0x10)

#define UART_IER 1
#define UART_IIR 2
#define UART_MCR 4

static volatile unsigned int hits_a, hits_b, hits_high, hits_uart;
static volatile bool a_in_service;
static volatile unsigned int order[4], order_n;
static volatile uint8_t uart_iir;

static void isr_a(struct isr_frame *f)
{
	(void)f;
	/* While the handler runs, the vector is in service. */
	a_in_service = x2apic_isr_test(VEC_A);
	hits_a++;
	if (order_n < ARRAY_SIZE(order))
		order[order_n++] = VEC_A;
	x2apic_eoi();
}

static void isr_b(struct isr_frame *f)
{
	(void)f;
	hits_b++;
	if (order_n < ARRAY_SIZE(order))
		order[order_n++] = VEC_B;
	x2apic_eoi();
}

static void isr_high(struct isr_frame *f)
{
	(void)f;
	/* No EOI: the test issues it later to release lower vectors. */
	hits_high++;
	if (order_n < ARRAY_SIZE(order))
		order[order_n++] = VEC_HIGH;
}

static void isr_uart(struct isr_frame *f)
{
	(void)f;
	/* Reading IIR with THRE as the cause acknowledges it (16550). */
	uart_iir = inb(COM1_BASE + UART_IIR);
	/* Stop further THRE interrupts: every console write would raise one. */
	outb(COM1_BASE + UART_IER, 0);
	hits_uart++;
	x2apic_eoi();
}

/* Let pending interrupts in for a while, then close IF again. */
static void open_window(uint64_t us)
{
	irq_enable();
	udelay(us);
	irq_disable();
}

static void test_self_ipi(void)
{
	hits_a = 0;
	x2apic_self_ipi(VEC_A);
	/* IF=0: pending in IRR, not delivered. */
	EXPECT_EQ(hits_a, 0);
	EXPECT_TRUE(x2apic_irr_test(VEC_A));
	EXPECT_TRUE(wait_flag_irq(&hits_a, 100000));
	EXPECT_TRUE(a_in_service);
	/* Exactly once, and EOI cleared ISR. */
	open_window(5000);
	EXPECT_EQ(hits_a, 1);
	EXPECT_TRUE(!x2apic_isr_test(VEC_A));
	EXPECT_TRUE(!x2apic_irr_test(VEC_A));

	/* ICR, destination shorthand "self". */
	hits_a = 0;
	wrmsr(X2APIC_ICR, APIC_ICR_SELF | VEC_A);
	EXPECT_TRUE(wait_flag_irq(&hits_a, 100000));
	open_window(5000);
	EXPECT_EQ(hits_a, 1);

	/* ICR, physical destination = own APIC id, no shorthand. */
	hits_a = 0;
	wrmsr(X2APIC_ICR, ((uint64_t)guest_vcpu_index << 32) | VEC_A);
	EXPECT_TRUE(wait_flag_irq(&hits_a, 100000));
	open_window(5000);
	EXPECT_EQ(hits_a, 1);

	/* Two IPIs of one vector while blocked collapse into one (one IRR bit). */
	hits_a = 0;
	x2apic_self_ipi(VEC_A);
	x2apic_self_ipi(VEC_A);
	open_window(10000);
	EXPECT_EQ(hits_a, 1);
}

static void test_tpr(void)
{
	hits_b = 0;
	/* TPR class 5 blocks vectors of class <= 5. */
	wrmsr(X2APIC_TPR, 0x50);
	x2apic_self_ipi(VEC_B);
	open_window(10000);
	EXPECT_EQ(hits_b, 0);
	EXPECT_TRUE(x2apic_irr_test(VEC_B));
	EXPECT_EQ(rdmsr(X2APIC_PPR) & 0xf0, 0x50);
	/* Lowering TPR releases it without any further event. */
	wrmsr(X2APIC_TPR, 0x40);
	EXPECT_TRUE(wait_flag_irq(&hits_b, 100000));
	open_window(5000);
	EXPECT_EQ(hits_b, 1);
	wrmsr(X2APIC_TPR, 0);
}

static void test_priority(void)
{
	order_n = 0;
	hits_high = 0;
	hits_a = 0;
	hits_b = 0;

	/* Pending together: the higher vector goes first. */
	x2apic_self_ipi(VEC_A);
	x2apic_self_ipi(VEC_B);
	open_window(10000);
	EXPECT_EQ(order_n, 2);
	EXPECT_EQ(order[0], VEC_B);
	EXPECT_EQ(order[1], VEC_A);

	/* An in-service class 6 vector (not EOI'd yet) holds back class 4. */
	order_n = 0;
	hits_a = 0;
	x2apic_self_ipi(VEC_HIGH);
	EXPECT_TRUE(wait_flag_irq(&hits_high, 100000));
	EXPECT_TRUE(x2apic_isr_test(VEC_HIGH));
	EXPECT_EQ(rdmsr(X2APIC_PPR) & 0xf0, 0x60);
	x2apic_self_ipi(VEC_A);
	open_window(10000);
	EXPECT_EQ(hits_a, 0);
	/* EOI of the class 6 vector lets class 4 in. */
	x2apic_eoi();
	EXPECT_TRUE(wait_flag_irq(&hits_a, 100000));
	EXPECT_TRUE(!x2apic_isr_test(VEC_HIGH));
	EXPECT_EQ(order_n, 2);
	EXPECT_EQ(order[1], VEC_A);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(IOREGSEL, reg);
	mmio_write32(IOWIN, v);
}

static uint32_t ioapic_read(uint32_t reg)
{
	mmio_write32(IOREGSEL, reg);
	return mmio_read32(IOWIN);
}

static void test_uart_irq(void)
{
	uint32_t rte = 0x10 + 2 * COM1_IOAPIC_PIN;

	/* Pin 4: fixed, physical, edge, active high, to this vCPU, unmasked. */
	ioapic_write(rte + 1, guest_vcpu_index << 24);
	ioapic_write(rte, VEC_UART);
	EXPECT_EQ(ioapic_read(rte) & 0x1ffff, VEC_UART);

	/* OUT2 gates the UART's interrupt line on a PC. */
	outb(COM1_BASE + UART_MCR, 0x0b);
	hits_uart = 0;
	/* THR is empty, so enabling ETBEI raises the THRE interrupt. */
	outb(COM1_BASE + UART_IER, 0x02);
	EXPECT_TRUE(wait_flag_irq(&hits_uart, 100000));
	EXPECT_EQ(uart_iir & 0x0f, 0x02);
	open_window(5000);
	EXPECT_EQ(hits_uart, 1);
	/* Acknowledged and disabled: nothing pending any more. */
	EXPECT_EQ(inb(COM1_BASE + UART_IIR) & 0x0f, 0x01);

	/* A second edge: enable again, interrupt again. */
	outb(COM1_BASE + UART_IER, 0x02);
	EXPECT_TRUE(wait_flag_irq(&hits_uart, 100000));
	EXPECT_EQ(hits_uart, 2);

	/* Masked pin: the UART raises its line, nothing is delivered. */
	ioapic_write(rte, 0x00010000 | VEC_UART);
	outb(COM1_BASE + UART_IER, 0x02);
	open_window(10000);
	EXPECT_EQ(hits_uart, 2);
	outb(COM1_BASE + UART_IER, 0x00);
	outb(COM1_BASE + UART_MCR, 0x03);
}

void guest_main(void)
{
	TEST_START("irq");
	irq_set_handler(VEC_A, isr_a);
	irq_set_handler(VEC_B, isr_b);
	irq_set_handler(VEC_HIGH, isr_high);
	irq_set_handler(VEC_UART, isr_uart);
	x2apic_enable();

	test_self_ipi();
	gprintf("irq: self-IPI done\n");
	test_tpr();
	test_priority();
	gprintf("irq: priority done\n");
	test_uart_irq();
	EXPECT_EQ(irq_unexpected, 0);
	TEST_END();
}
