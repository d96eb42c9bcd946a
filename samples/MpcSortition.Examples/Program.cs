using MpcSortition.Examples;
using MpcSortition.Selection;

// Runs every example that the package READMEs quote and prints what each returned. Usage:
//   dotnet run --project samples/MpcSortition.Examples [-- PEOPLE.csv QUOTAS.csv K]
(uint[] sum, uint[] affine) = CoreExample.Run();
Console.WriteLine($"core: x + y = [{string.Join(", ", sum)}], 3x + 1 = [{string.Join(", ", affine)}]");

(uint[] products, ulong lessThan, long multiplications) = await ProtocolsExample.RunAsync();
Console.WriteLine($"protocols: x * y = [{string.Join(", ", products)}], x < y bits = {Convert.ToString((long)lessThan, 2)}, {multiplications} multiplications");

if (args.Length == 3)
{
    (IReadOnlyList<int> reference, IReadOnlyList<int> secure) = await SelectionExample.RunAsync(args[0], args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
    Console.WriteLine($"selection: reference [{string.Join(", ", reference.Order())}], secure [{string.Join(", ", secure)}]");

    string scratch = Directory.CreateTempSubdirectory("mpcsortition-example-").FullName;
    SelectionProblem problem = SortitionCsv.Read(args[0], args[1]).ToProblem(int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
    IReadOnlyList<string> panel = await ProviderExample.RunAsync(problem, scratch);
    Console.WriteLine($"providers: panel of {panel.Count} ({string.Join(", ", panel)}), files in {scratch}");
}
