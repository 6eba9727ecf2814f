import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.RecursiveTask;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

/**
 * A small multithreaded Java job, run with the source launcher of the JDK under test. Prints one
 * line per check; WorkloadSuiteTest compares the whole output. Argument: a scratch directory.
 */
public class JavaJob {

    /** Sums a range by splitting it until the pieces are small. */
    static final class RangeSum extends RecursiveTask<Long> {
        private final long from;
        private final long to;

        RangeSum(long from, long to) {
            this.from = from;
            this.to = to;
        }

        @Override
        protected Long compute() {
            if (to - from <= 10_000) {
                return LongStream.range(from, to).sum();
            }
            long middle = (from + to) / 2;
            RangeSum left = new RangeSum(from, middle);
            left.fork();
            return new RangeSum(middle, to).compute() + left.join();
        }
    }

    public static void main(String[] args) throws Exception {
        Path scratch = Paths.get(args[0]);

        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Integer>> futures = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            int n = i;
            futures.add(pool.submit(() -> n * n));
        }
        int squares = 0;
        for (Future<Integer> future : futures) {
            squares += future.get();
        }
        pool.shutdown();
        System.out.println("thread pool " + squares + " " + pool.awaitTermination(30, TimeUnit.SECONDS));

        long sum = new ForkJoinPool(4).invoke(new RangeSum(0, 1_000_000));
        System.out.println("fork join " + sum);
        System.out.println("parallel stream " + LongStream.rangeClosed(1, 100_000).parallel().sum());
        System.out.println("completable " + CompletableFuture.supplyAsync(() -> 20).thenApply(n -> n + 1).get());

        Path file = scratch.resolve("nio.txt");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(ByteBuffer.wrap("written through a FileChannel\n".getBytes(StandardCharsets.UTF_8)));
            channel.force(true);
        }
        Files.writeString(scratch.resolve("files.txt"), "written by Files\n");
        System.out.print("nio " + Files.readString(file));
        System.out.println("nio size " + Files.size(scratch.resolve("files.txt")));
        try (var listing = Files.list(scratch)) {
            System.out.println("nio list " + listing.count());
        }

        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread echo = new Thread(() -> {
                try (SocketChannel connection = server.accept()) {
                    ByteBuffer buffer = ByteBuffer.allocate(64);
                    connection.read(buffer);
                    buffer.flip();
                    connection.write(buffer);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            echo.start();
            try (SocketChannel client = SocketChannel.open(server.getLocalAddress())) {
                client.write(ByteBuffer.wrap("loopback".getBytes(StandardCharsets.UTF_8)));
                ByteBuffer reply = ByteBuffer.allocate(64);
                while (reply.position() < "loopback".length() && client.read(reply) >= 0) {
                    // read until the whole echo has arrived
                }
                System.out.println("socket " + new String(reply.array(), 0, reply.position(), StandardCharsets.UTF_8));
            }
            echo.join();
        }
        System.out.println("processors " + (Runtime.getRuntime().availableProcessors() > 0));
        System.out.println("java done");
    }
}
