#pragma once
// How the pending points of a run get evaluated (runner.cpp decides which applies):
//  - run_locally: in this process on `threads` threads (search points: pass 1, their training
//    uses OpenMP); finished points are appended in batches (one durable write each).
//  - coordinate / work: under mpirun, rank 0 hands out points and records results (its main
//    thread does all MPI calls) and evaluates points on a thread of its own (`threads` OpenMP
//    threads); the other ranks evaluate. The protocol: a worker sends a result message (empty
//    at first: "ready"), rank 0 answers with the next point's index or -1 (stop).
#include <vector>

#include "nce/explore/mpi_session.hpp"
#include "nce/explore/plan.hpp"
#include "nce/explore/point_runner.hpp"
#include "nce/explore/progress.hpp"
#include "nce/explore/run_directory.hpp"

namespace nce::explore {

void run_locally(const std::vector<const PlannedPoint*>& pending, PointRunner& runner, RunDirectory& directory,
                 Progress& progress, int threads);

void coordinate(const MpiSession& mpi, const std::vector<const PlannedPoint*>& pending, PointRunner& runner,
                RunDirectory& directory, Progress& progress, int threads);

void work(const MpiSession& mpi, const Plan& plan, PointRunner& runner);

}  // namespace nce::explore
