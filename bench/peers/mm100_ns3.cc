// M/M/100 on ns-3's core event scheduler alone (no network): events
// scheduled with Simulator::Schedule, an unlimited FIFO of arrival times,
// 100 servers.  λ 9,000/s, mean service 10 ms, DURATION simulated seconds.
// Records a count of completed requests and the sum of their response
// times.  Usage: mm100_ns3 [DURATION_S] [heap|map|calendar|list]
// Built by bench/peers/run.sh against Debian's libns3-dev (-lns3-core).
#include "ns3/core-module.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>

using namespace ns3;

namespace
{
const int kServers = 100;
const double kRate = 9000.0, kMeanService = 0.010;

Ptr<ExponentialRandomVariable> interarrival, service;
std::deque<double> waiting;  // arrival times of those queued
int busy = 0;
unsigned long long completed = 0;
double responseSum = 0;

void Departure(double arrived);

void StartService(double arrived)
{
    Simulator::Schedule(Seconds(service->GetValue()), &Departure, arrived);
}

void Departure(double arrived)
{
    completed++;
    responseSum += Simulator::Now().GetSeconds() - arrived;
    if (!waiting.empty())
    {
        double next = waiting.front();
        waiting.pop_front();
        StartService(next);
    }
    else
    {
        busy--;
    }
}

void Arrival()
{
    double now = Simulator::Now().GetSeconds();
    if (busy < kServers)
    {
        busy++;
        StartService(now);
    }
    else
    {
        waiting.push_back(now);
    }
    Simulator::Schedule(Seconds(interarrival->GetValue()), &Arrival);
}
} // namespace

int main(int argc, char** argv)
{
    double duration = argc > 1 ? std::atof(argv[1]) : 300.0;
    std::string kind = argc > 2 ? argv[2] : "heap";
    std::string type = kind == "map"        ? "ns3::MapScheduler"
                       : kind == "calendar" ? "ns3::CalendarScheduler"
                       : kind == "list"     ? "ns3::ListScheduler"
                                            : "ns3::HeapScheduler";
    ObjectFactory factory;
    factory.SetTypeId(type);
    Simulator::SetScheduler(factory);
    RngSeedManager::SetSeed(7);
    interarrival = CreateObject<ExponentialRandomVariable>();
    interarrival->SetAttribute("Mean", DoubleValue(1.0 / kRate));
    service = CreateObject<ExponentialRandomVariable>();
    service->SetAttribute("Mean", DoubleValue(kMeanService));
    Simulator::Schedule(Seconds(interarrival->GetValue()), &Arrival);
    Simulator::Stop(Seconds(duration));
    auto t0 = std::chrono::steady_clock::now();
    Simulator::Run();
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    Simulator::Destroy();
    std::printf("requests %llu wall %.6f mean_ms %.4f\n", completed, wall,
                completed ? 1e3 * responseSum / completed : 0.0);
    return 0;
}
