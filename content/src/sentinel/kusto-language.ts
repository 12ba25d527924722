/**
 * Microsoft's Kusto language library for JavaScript (`@kusto/language-service-next`, the parser and
 * semantic analyzer behind Azure Data Explorer's and Log Analytics' editors, compiled from C# with
 * Bridge.NET), loaded once, behind the few types this package uses. The package publishes CommonJS
 * scripts that define the globals `Bridge`, `System` and `Kusto`; its own declarations describe the whole
 * C# surface, so the members used here are typed here instead.
 */
import { createRequire } from 'node:module';

/** A Kusto `ColumnSymbol`, `TableSymbol`, `FunctionSymbol`, … */
export interface KustoSymbol {
  Name: string;
  Kind: number;
}
export interface KustoColumnSymbol extends KustoSymbol {
  Type: KustoSymbol;
}
export interface KustoTableSymbol extends KustoSymbol {
  Columns: KustoList<KustoColumnSymbol>;
}
export interface KustoList<T> {
  Count: number;
  getItem(index: number): T;
}
export interface KustoSyntaxElement {
  ReferencedSymbol: KustoSymbol | null;
  TextStart: number;
  Width: number;
  ToString(): string;
}
export interface KustoDiagnostic {
  Severity: string;
  Message: string;
  Start: number;
  Code: string;
}
/** A syntax node as walked: its C# class name, and the members of the node kinds read here. */
export interface KustoSyntaxNode extends KustoSyntaxElement {
  constructor: { $$name: string };
  /** `SimpleNamedExpression` (`X = …`): the name; `FunctionCallExpression`: the function's name. */
  Name?: { SimpleName: string };
  /** `SimpleNamedExpression`: the value. */
  Expression?: KustoSyntaxNode;
  /** `FunctionCallExpression`: the arguments. */
  ArgumentList?: { Expressions: KustoList<{ Element: KustoSyntaxNode }> };
  /** `LiteralExpression`: the value. */
  LiteralValue?: unknown;
}
export interface KustoCode {
  Syntax: { WalkElements(action: (element: KustoSyntaxNode) => void): void };
  ResultType: KustoSymbol | null;
  GetDiagnostics(): KustoList<KustoDiagnostic>;
}
interface KustoScalarTypes {
  String: KustoSymbol;
  Int: KustoSymbol;
  Long: KustoSymbol;
  Real: KustoSymbol;
  Bool: KustoSymbol;
  DateTime: KustoSymbol;
  TimeSpan: KustoSymbol;
  Dynamic: KustoSymbol;
  Guid: KustoSymbol;
  Decimal: KustoSymbol;
}
export interface KustoGlobals {
  WithDatabase(database: KustoSymbol): KustoGlobals;
}
export interface KustoLanguage {
  GlobalState: { Default: KustoGlobals };
  KustoCode: {
    ParseAndAnalyze(text: string, globals: KustoGlobals): KustoCode;
    Parse(text: string): KustoCode;
  };
  Symbols: {
    ScalarTypes: KustoScalarTypes;
    SymbolKind: { Column: number; Table: number; Function: number };
    ColumnSymbol: new (name: string, type: KustoSymbol) => KustoColumnSymbol;
    TableSymbol: { $ctor4: new (name: string, columns: KustoColumnSymbol[]) => KustoTableSymbol };
    /** `(name, parameterList, body, description)`: a stored function, analyzed from its text. */
    FunctionSymbol: {
      $ctor16: new (name: string, parameterList: string, body: string, description: string) => KustoSymbol;
    };
    DatabaseSymbol: { ctor: new (name: string, members: KustoSymbol[]) => KustoSymbol };
  };
}

let loaded: KustoLanguage | undefined;

/** The library, loaded on first use (a few MB of script: only what analyses KQL pays for it). */
export function kustoLanguage(): KustoLanguage {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    require('@kusto/language-service-next/bridge.js');
    require('@kusto/language-service-next/Kusto.Language.Bridge.js');
    loaded = (Reflect.get(globalThis, 'Kusto') as { Language: KustoLanguage }).Language;
  }
  return loaded;
}

/** The items of a library list, as an array. */
export function listOf<T>(list: KustoList<T> | null | undefined): T[] {
  const items: T[] = [];
  if (list) for (let i = 0; i < list.Count; i++) items.push(list.getItem(i));
  return items;
}
