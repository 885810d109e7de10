#!/usr/bin/python3
"""M/M/100 in SimPy: a source process starts a customer process per
arrival; customers request one of 100 units of a Resource, hold for an
exponential service time and release it.  lambda 9,000/s, mean service
10 ms, DURATION simulated seconds.  Records a count of completed requests
and the sum of their response times.

Debian's python3-simpy is SimPy 2.3 (`from SimPy.Simulation import ...`),
for Debian's /usr/bin/python3; SimPy 3/4 (`import simpy`) works too.
Usage: /usr/bin/python3 mm100_simpy.py [DURATION_S]"""
import random
import sys
import time

SERVERS, RATE, MEAN_SERVICE = 100, 9000.0, 0.010


def run_simpy2(duration, rng, done):
    from SimPy.Simulation import Process, Resource, activate, hold, initialize, now, release, request, simulate

    class Customer(Process):
        def visit(self, server):
            arrived = now()
            yield request, self, server
            yield hold, self, rng.expovariate(1 / MEAN_SERVICE)
            yield release, self, server
            done[0] += 1
            done[1] += now() - arrived

    class Source(Process):
        def generate(self, server):
            while True:
                yield hold, self, rng.expovariate(RATE)
                c = Customer()
                activate(c, c.visit(server))

    initialize()
    server = Resource(capacity=SERVERS)
    source = Source()
    activate(source, source.generate(server))
    simulate(until=duration)


def run_simpy3(duration, rng, done):
    import simpy

    env = simpy.Environment()
    server = simpy.Resource(env, capacity=SERVERS)

    def customer():
        arrived = env.now
        with server.request() as req:
            yield req
            yield env.timeout(rng.expovariate(1 / MEAN_SERVICE))
        done[0] += 1
        done[1] += env.now - arrived

    def source():
        while True:
            yield env.timeout(rng.expovariate(RATE))
            env.process(customer())

    env.process(source())
    env.run(until=duration)


def main():
    duration = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
    rng, done = random.Random(7), [0, 0.0]
    try:
        import SimPy.Simulation  # noqa: F401
        run = run_simpy2
    except ImportError:
        run = run_simpy3
    t0 = time.perf_counter()
    run(duration, rng, done)
    wall = time.perf_counter() - t0
    print("requests %d wall %.6f mean_ms %.4f" % (done[0], wall, 1e3 * done[1] / max(done[0], 1)))


if __name__ == "__main__":
    main()
