using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace CudaTensor.Tests.Architecture;

/// <summary>One use of a type by another: <c>FromType</c> (a top-level type, in the folder of the code that uses it)
/// names <c>ToType</c>, which lives in one of <c>ToFolders</c>.</summary>
internal sealed record TypeUse(string FromType, string FromFolder, string ToType, IReadOnlyList<string> ToFolders, string Via);

/// <summary>
/// What an assembly's metadata and portable PDB say about its types: the source folder of each top-level type and
/// every use of one type by another (base types, interfaces, constraints, fields, method signatures, locals, catch
/// clauses and the type, method and field tokens of method bodies). Folders are paths under <c>Managed/</c>.
/// </summary>
/// <remarks>
/// A type's folders come from the documents of its methods' sequence points and, for types without method bodies,
/// from the <c>TypeDefinitionDocuments</c> record the compiler writes into the PDB. Nested and compiler-generated
/// types (closures, iterators) count as their top-level type. A use inside a method body counts in the folder of that
/// method's file, so a partial type spread over two folders is checked file by file; a use by a field or a base type
/// counts in every folder of the type. Constants are copied into IL by the compiler, so the use of a <c>const</c>
/// field is invisible here.
/// </remarks>
internal sealed class AssemblyFacts
{
    private static readonly Guid TypeDefinitionDocumentsKind = new("932E74BC-DBA9-4478-8D46-0F32A7BAB3D3");

    private AssemblyFacts(IReadOnlyDictionary<string, IReadOnlyList<string>> typeFolders, IReadOnlyList<TypeUse> uses)
    {
        TypeFolders = typeFolders;
        Uses = uses;
    }

    /// <summary>Top-level type name (namespace-qualified) → the folders its source files are in (empty: none found).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> TypeFolders { get; }

    /// <summary>Every use of one top-level type by another.</summary>
    public IReadOnlyList<TypeUse> Uses { get; }

    /// <summary>Reads <paramref name="assemblyPath"/> and the portable PDB beside it.</summary>
    public static AssemblyFacts Read(string assemblyPath)
    {
        string pdbPath = Path.ChangeExtension(assemblyPath, ".pdb");
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        using var pdbProvider = MetadataReaderProvider.FromPortablePdbStream(File.OpenRead(pdbPath));
        return new Reader(pe, pe.GetMetadataReader(), pdbProvider.GetMetadataReader()).Run();
    }

    /// <summary>The folder under <c>Managed/</c> of a source path; null for generated files or other projects.</summary>
    internal static string? FolderOf(string documentPath)
    {
        string path = documentPath.Replace('\\', '/');
        int at = path.LastIndexOf("/Managed/", StringComparison.Ordinal);
        if (at < 0) return null;
        string relative = path[(at + "/Managed/".Length)..];
        if (relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal)) return null;
        int slash = relative.LastIndexOf('/');
        return slash < 0 ? "" : relative[..slash];
    }

    private sealed class Reader(PEReader pe, MetadataReader md, MetadataReader pdb)
    {
        private readonly Dictionary<TypeDefinitionHandle, IReadOnlyList<string>> _typeFolders = [];
        private readonly List<TypeUse> _uses = [];
        private readonly TypeCollector _collector = new();

        public AssemblyFacts Run()
        {
            var homes = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            foreach (var handle in md.TypeDefinitions)
            {
                var top = TopLevel(handle);
                if (IsCompilerEmitted(top)) continue;
                string name = Name(top);
                var folders = FoldersOf(handle);
                homes[name] = homes.TryGetValue(name, out var known) ? [.. known.Union(folders)] : folders;
            }
            foreach (var handle in md.TypeDefinitions)
            {
                if (!IsCompilerEmitted(TopLevel(handle))) CollectUses(handle);
            }
            return new AssemblyFacts(homes, _uses);
        }

        private void CollectUses(TypeDefinitionHandle handle)
        {
            var type = md.GetTypeDefinition(handle);
            var typeFolders = FoldersOf(handle);
            if (!type.BaseType.IsNil) Use(handle, typeFolders, Types(type.BaseType), "base type");
            foreach (var i in type.GetInterfaceImplementations())
                Use(handle, typeFolders, Types(md.GetInterfaceImplementation(i).Interface), "interface");
            foreach (var p in type.GetGenericParameters()) Constraints(handle, typeFolders, p);
            foreach (var f in type.GetFields())
            {
                var field = md.GetFieldDefinition(f);
                Use(handle, typeFolders, field.DecodeSignature(_collector, null), "field " + md.GetString(field.Name));
            }
            foreach (var m in type.GetMethods()) CollectMethod(handle, typeFolders, m);
        }

        private void CollectMethod(TypeDefinitionHandle owner, IReadOnlyList<string> typeFolders, MethodDefinitionHandle handle)
        {
            var method = md.GetMethodDefinition(handle);
            string name = md.GetString(method.Name);
            var own = MethodFolders(handle);
            IReadOnlyList<string> folders = own.Count > 0 ? [.. own] : typeFolders;
            var signature = method.DecodeSignature(_collector, null);
            Use(owner, folders, signature.ReturnType, name + " signature");
            foreach (var p in signature.ParameterTypes) Use(owner, folders, p, name + " signature");
            foreach (var p in method.GetGenericParameters()) Constraints(owner, folders, p);
            if (method.RelativeVirtualAddress == 0) return;
            var body = pe.GetMethodBody(method.RelativeVirtualAddress);
            if (!body.LocalSignature.IsNil)
            {
                foreach (var local in md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(_collector, null))
                    Use(owner, folders, local, name + " local");
            }
            foreach (var region in body.ExceptionRegions)
            {
                if (!region.CatchType.IsNil) Use(owner, folders, Types(region.CatchType), name + " catch");
            }
            var il = body.GetILReader();
            while (il.RemainingBytes > 0)
            {
                int? token = NextToken(ref il);
                if (token is { } t) Token(owner, folders, name, MetadataTokens.EntityHandle(t));
            }
        }

        private void Constraints(TypeDefinitionHandle owner, IReadOnlyList<string> folders, GenericParameterHandle handle)
        {
            foreach (var c in md.GetGenericParameter(handle).GetConstraints())
                Use(owner, folders, Types(md.GetGenericParameterConstraint(c).Type), "constraint");
        }

        private void Token(TypeDefinitionHandle owner, IReadOnlyList<string> folders, string method, EntityHandle token)
        {
            switch (token.Kind)
            {
                case HandleKind.TypeDefinition:
                case HandleKind.TypeSpecification:
                    Use(owner, folders, Types(token), method + ": type");
                    break;
                case HandleKind.MethodDefinition:
                {
                    var target = (MethodDefinitionHandle)token;
                    var declaring = md.GetMethodDefinition(target).GetDeclaringType();
                    var at = MethodFolders(target);
                    UseOne(owner, folders, declaring, at.Count > 0 ? [.. at] : FoldersOf(declaring),
                        method + ": call " + md.GetString(md.GetMethodDefinition(target).Name));
                    break;
                }
                case HandleKind.FieldDefinition:
                {
                    var field = md.GetFieldDefinition((FieldDefinitionHandle)token);
                    var declaring = field.GetDeclaringType();
                    UseOne(owner, folders, declaring, FoldersOf(declaring), method + ": field " + md.GetString(field.Name));
                    break;
                }
                case HandleKind.MemberReference:
                {
                    var member = md.GetMemberReference((MemberReferenceHandle)token);
                    string via = method + ": member " + md.GetString(member.Name);
                    if (member.Parent.Kind is HandleKind.TypeSpecification or HandleKind.TypeDefinition)
                        Use(owner, folders, Types(member.Parent), via);
                    else if (member.Parent.Kind == HandleKind.MethodDefinition)
                        Token(owner, folders, method, member.Parent);
                    if (member.GetKind() == MemberReferenceKind.Method)
                    {
                        var signature = member.DecodeMethodSignature(_collector, null);
                        Use(owner, folders, signature.ReturnType, via);
                        foreach (var p in signature.ParameterTypes) Use(owner, folders, p, via);
                    }
                    else
                    {
                        Use(owner, folders, member.DecodeFieldSignature(_collector, null), via);
                    }
                    break;
                }
                case HandleKind.MethodSpecification:
                {
                    var spec = md.GetMethodSpecification((MethodSpecificationHandle)token);
                    Token(owner, folders, method, spec.Method);
                    foreach (var a in spec.DecodeSignature(_collector, null)) Use(owner, folders, a, method + ": type argument");
                    break;
                }
            }
        }

        private ImmutableArray<TypeDefinitionHandle> Types(EntityHandle handle) => handle.Kind switch
        {
            HandleKind.TypeDefinition => [(TypeDefinitionHandle)handle],
            HandleKind.TypeSpecification => md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(_collector, null),
            _ => [],
        };

        private void Use(TypeDefinitionHandle owner, IReadOnlyList<string> folders, ImmutableArray<TypeDefinitionHandle> targets, string via)
        {
            foreach (var target in targets) UseOne(owner, folders, target, FoldersOf(target), via);
        }

        private void UseOne(TypeDefinitionHandle owner, IReadOnlyList<string> folders, TypeDefinitionHandle target,
            IReadOnlyList<string> targetFolders, string via)
        {
            var from = TopLevel(owner);
            var to = TopLevel(target);
            if (from == to || IsCompilerEmitted(to)) return;
            string fromName = Name(from), toName = Name(to);
            foreach (var folder in folders) _uses.Add(new TypeUse(fromName, folder, toName, targetFolders, via));
        }

        private IReadOnlyList<string> FoldersOf(TypeDefinitionHandle handle)
        {
            if (_typeFolders.TryGetValue(handle, out var known)) return known;
            var type = md.GetTypeDefinition(handle);
            var folders = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var m in type.GetMethods()) folders.UnionWith(MethodFolders(m));
            foreach (var info in pdb.GetCustomDebugInformation(handle))
            {
                var record = pdb.GetCustomDebugInformation(info);
                if (pdb.GetGuid(record.Kind) != TypeDefinitionDocumentsKind) continue;
                var blob = pdb.GetBlobReader(record.Value);
                while (blob.RemainingBytes > 0) Add(folders, MetadataTokens.DocumentHandle(blob.ReadCompressedInteger()));
            }
            IReadOnlyList<string> result = folders.Count == 0 && !type.GetDeclaringType().IsNil
                ? FoldersOf(type.GetDeclaringType())
                : [.. folders];
            _typeFolders[handle] = result;
            return result;
        }

        private SortedSet<string> MethodFolders(MethodDefinitionHandle handle)
        {
            var folders = new SortedSet<string>(StringComparer.Ordinal);
            var info = pdb.GetMethodDebugInformation(handle.ToDebugInformationHandle());
            if (!info.Document.IsNil)
            {
                Add(folders, info.Document);
            }
            else if (!info.SequencePointsBlob.IsNil)
            {
                foreach (var point in info.GetSequencePoints()) Add(folders, point.Document);
            }
            return folders;
        }

        private void Add(SortedSet<string> folders, DocumentHandle document)
        {
            if (FolderOf(pdb.GetString(pdb.GetDocument(document).Name)) is { } folder) folders.Add(folder);
        }

        private TypeDefinitionHandle TopLevel(TypeDefinitionHandle handle)
        {
            while (true)
            {
                var declaring = md.GetTypeDefinition(handle).GetDeclaringType();
                if (declaring.IsNil) return handle;
                handle = declaring;
            }
        }

        // <Module>, <PrivateImplementationDetails> and the attributes the compiler embeds (NullableAttribute, ...).
        private bool IsCompilerEmitted(TypeDefinitionHandle topLevel)
        {
            var type = md.GetTypeDefinition(topLevel);
            string name = md.GetString(type.Name);
            string ns = md.GetString(type.Namespace);
            return name.StartsWith('<')
                || ns.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal)
                || ns.StartsWith("System.", StringComparison.Ordinal);
        }

        private string Name(TypeDefinitionHandle handle)
        {
            var type = md.GetTypeDefinition(handle);
            string name = md.GetString(type.Name);
            int tick = name.IndexOf('`', StringComparison.Ordinal);
            if (tick >= 0) name = name[..tick];
            string ns = md.GetString(type.Namespace);
            return ns.Length == 0 ? name : ns + "." + name;
        }

        // Reads one IL instruction; returns its metadata token when it has one (ECMA-335 III: operand sizes by opcode).
        private static int? NextToken(ref BlobReader il)
        {
            byte op = il.ReadByte();
            if (op == 0xFE)
            {
                byte op2 = il.ReadByte();
                switch (op2)
                {
                    case 0x06: case 0x07: case 0x15: case 0x16: case 0x1C: return il.ReadInt32();
                    case >= 0x09 and <= 0x0E: il.ReadInt16(); return null;
                    case 0x12: case 0x19: il.ReadByte(); return null;
                    default: return null;
                }
            }
            switch (op)
            {
                case >= 0x0E and <= 0x13: case 0x1F: case >= 0x2B and <= 0x37: case 0xDE:
                    il.ReadByte();
                    return null;
                case 0x20: case 0x22: case >= 0x38 and <= 0x44: case 0xDD: case 0x72: case 0x29:
                    il.ReadInt32();
                    return null;
                case 0x21: case 0x23:
                    il.ReadInt64();
                    return null;
                case 0x45:
                    int count = il.ReadInt32();
                    for (int i = 0; i < count; i++) il.ReadInt32();
                    return null;
                case 0x27: case 0x28: case 0x6F: case 0x70: case 0x71: case 0x73: case 0x74: case 0x75: case 0x79:
                case >= 0x7B and <= 0x81: case 0x8C: case 0x8D: case 0x8F: case 0xA3: case 0xA4: case 0xA5:
                case 0xC2: case 0xC6: case 0xD0:
                    return il.ReadInt32();
                default:
                    return null;
            }
        }
    }

    // Decodes signatures into the type definitions of this assembly that they name; other assemblies' types are dropped.
    private sealed class TypeCollector : ISignatureTypeProvider<ImmutableArray<TypeDefinitionHandle>, object?>
    {
        public ImmutableArray<TypeDefinitionHandle> GetPrimitiveType(PrimitiveTypeCode typeCode) => [];
        public ImmutableArray<TypeDefinitionHandle> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => [handle];
        public ImmutableArray<TypeDefinitionHandle> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => [];
        public ImmutableArray<TypeDefinitionHandle> GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind)
            => reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
        public ImmutableArray<TypeDefinitionHandle> GetSZArrayType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableArray<TypeDefinitionHandle> GetArrayType(ImmutableArray<TypeDefinitionHandle> elementType, ArrayShape shape) => elementType;
        public ImmutableArray<TypeDefinitionHandle> GetByReferenceType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableArray<TypeDefinitionHandle> GetPointerType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableArray<TypeDefinitionHandle> GetPinnedType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableArray<TypeDefinitionHandle> GetModifiedType(ImmutableArray<TypeDefinitionHandle> modifier, ImmutableArray<TypeDefinitionHandle> unmodifiedType, bool isRequired) => unmodifiedType;
        public ImmutableArray<TypeDefinitionHandle> GetGenericInstantiation(ImmutableArray<TypeDefinitionHandle> genericType, ImmutableArray<ImmutableArray<TypeDefinitionHandle>> typeArguments)
            => [.. genericType, .. typeArguments.SelectMany(a => a)];
        public ImmutableArray<TypeDefinitionHandle> GetGenericMethodParameter(object? genericContext, int index) => [];
        public ImmutableArray<TypeDefinitionHandle> GetGenericTypeParameter(object? genericContext, int index) => [];
        public ImmutableArray<TypeDefinitionHandle> GetFunctionPointerType(MethodSignature<ImmutableArray<TypeDefinitionHandle>> signature)
            => [.. signature.ReturnType, .. signature.ParameterTypes.SelectMany(p => p)];
    }
}
